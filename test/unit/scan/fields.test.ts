import {describe, expect, it} from 'vitest'
import {LeakMatcher} from '../../../src/scan/matcher.js'
import {withFields, type KnownValue} from '../../../src/scan/values.js'
import {SecretValue} from '../../../providers/types.js'

const site = {secret: 'app-db', target: 'local:app/db', versionId: 'v1', role: 'current' as const, createdAt: new Date(0)}

describe('scan covers each field of a structured value', () => {
  it('finds a password pasted alone and names the field', () => {
    const known: KnownValue[] = [{value: SecretValue.fromFields({username: 'app_role_a', password: 'Field-Password-Only-42'}), sites: [site]}]
    const matcher = new LeakMatcher(withFields(known), [])
    const leaks = matcher.scan(Buffer.from('DB_PASSWORD=Field-Password-Only-42\n'), {file: '.env'})
    expect(leaks).toHaveLength(1)
    expect(leaks[0]).toMatchObject({secret: 'app-db', field: 'password', line: 1, column: 13, role: 'current'})
    // Without field coverage only the JSON text would be searched.
    expect(new LeakMatcher(known, []).scan(Buffer.from('DB_PASSWORD=Field-Password-Only-42\n'), {file: '.env'})).toEqual([])
    // The whole JSON is still reported as the value, not as its fields.
    const whole = matcher.scan(Buffer.from(known[0].value.reveal()), {file: 'dump.json'})
    expect(whole[0]).toMatchObject({secret: 'app-db'})
    expect(whole[0].field).toBeUndefined()
  })

  it('leaves plain values alone and skips fields too short to mean anything', () => {
    const plain: KnownValue = {value: new SecretValue('plain-value-5555'), sites: [site]}
    const short: KnownValue = {value: SecretValue.fromFields({id: 'a', value: 'long-enough-value-1'}), sites: [site]}
    const out = withFields([plain, short])
    expect(out.map((k) => k.value.reveal())).toEqual(['plain-value-5555', short.value.reveal(), 'long-enough-value-1'])
  })
})
