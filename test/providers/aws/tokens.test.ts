import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {awsFactory} from '../../../providers/aws/factory.js'
import {MAX_REVERSIBLE_ROTATION_ID, requestTokenFor, rotationIdFromVersionId} from '../../../providers/aws/tokens.js'

const rotationId = fc.stringMatching(/^[A-Za-z0-9-]{1,64}$/)

describe('AWS ClientRequestToken derivation', () => {
  it('always yields a deterministic 32-64 character token', () => {
    fc.assert(
      fc.property(rotationId, (rid) => {
        const token = requestTokenFor(rid)
        expect(token.length).toBeGreaterThanOrEqual(32)
        expect(token.length).toBeLessThanOrEqual(64)
        expect(requestTokenFor(rid)).toBe(token)
      }),
    )
  })

  it('maps a token back to its rotation id, dashes included', () => {
    fc.assert(
      fc.property(rotationId, (rid) => {
        const back = rotationIdFromVersionId(requestTokenFor(rid))
        expect(back).toBe(rid.length <= MAX_REVERSIBLE_ROTATION_ID ? rid : undefined)
      }),
    )
    expect(rotationIdFromVersionId(requestTokenFor('rot-0123456789abcdef0123456789ab'))).toBe('rot-0123456789abcdef0123456789ab')
    expect(rotationIdFromVersionId(requestTokenFor('r1'))).toBe('r1')
  })

  it('gives different rotations different tokens and reads no rotation into foreign version ids', () => {
    expect(requestTokenFor('r1')).not.toBe(requestTokenFor('r2'))
    expect(rotationIdFromVersionId('3ee2f935-1543-4c97-8286-00fdce9811af')).toBeUndefined()
    expect(rotationIdFromVersionId('r1-00000000000000000000000000000')).toBeUndefined()
  })
})

describe('AWS store settings', () => {
  it('requires a region and accepts profile, endpoint and kmsKeyId', () => {
    expect(awsFactory.settings.safeParse({}).success).toBe(false)
    expect(awsFactory.settings.safeParse({region: 'eu-west-1', profile: 'ops', endpoint: 'https://vpce.example', kmsKeyId: 'alias/rotor'}).success).toBe(true)
    expect(awsFactory.settings.safeParse({region: 'eu-west-1', accessKeyId: 'AKIA'}).success).toBe(false)
    expect(awsFactory.settings.safeParse({region: 'eu-west-1', endpoint: 'not a url'}).success).toBe(false)
  })

  it('rejects secret names AWS would refuse', () => {
    expect(awsFactory.validatePaths?.(['payments/stripe-key', 'bad name', 'x'.repeat(513)]).map((p) => p.path)).toEqual(['bad name', 'x'.repeat(513)])
  })
})
