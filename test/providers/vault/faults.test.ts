/**
 * Failures on the wire: each becomes the rotor error the engine's retry helper understands,
 * and rotations driven through that helper under seeded random faults converge with exactly
 * one version per rotation.
 */
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {InvalidRequestError, ThrottledError, UnavailableError} from '../../../src/errors/index.js'
import {retry} from '../../../src/util/retry.js'
import {SecretValue} from '../../../providers/types.js'
import type {VaultStoreClient} from '../../../providers/vault/client.js'
import {type Harness, harness} from './harness.js'

const value = (text: string) => new SecretValue(text)
let h: Harness
let client: VaultStoreClient
beforeEach(async () => {
  h = await harness({rootToken: 'hvs.distinctive-root-token'})
  client = await h.open()
})
afterEach(() => h.close())

describe('vault adapter under faults', () => {
  it('maps 429, 5xx, a dropped connection and a refused one to retryable errors', async () => {
    h.emulator.faults.inject({path: 'secret/metadata/a', status: 429, retryAfterSeconds: 2})
    const throttled = await client.describe('a').catch((e: unknown) => e)
    expect(throttled).toBeInstanceOf(ThrottledError)
    expect((throttled as ThrottledError).retryable).toBe(true)

    h.emulator.faults.inject({path: 'secret/metadata/a', status: 502})
    await expect(client.describe('a')).rejects.toMatchObject({name: 'UnavailableError', retryable: true})

    h.emulator.faults.inject({path: 'secret/metadata/a', reset: true})
    const reset = await client.describe('a').catch((e: unknown) => e)
    expect(reset).toBeInstanceOf(UnavailableError)
    expect((reset as UnavailableError).retryable).toBe(true)

    await h.close()
    const refused = await client.describe('a').catch((e: unknown) => e)
    expect(refused).toBeInstanceOf(UnavailableError)
    expect((refused as UnavailableError).message).toContain('ECONNREFUSED')
  })

  it('maps other 4xx answers to InvalidRequestError, not retryable', async () => {
    h.emulator.faults.inject({path: 'secret/metadata/b', status: 400, errors: ['some validation problem']})
    const error = await client.describe('b').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect((error as InvalidRequestError).retryable).toBe(false)
  })

  it('converges under seeded random faults through the retry helper, one version per rotation', async () => {
    const policy = {attempts: 20, baseMs: 1, capMs: 1}
    const quiet = {sleep: async () => {}, random: () => 0}
    const path = 'soak/key'
    let current = await retry(() => client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current'}), policy, quiet)
    h.emulator.faults.seed(42)
    h.emulator.faults.rates = {throttle: 0.1, error: 0.1, reset: 0.05, lost: 0.1}
    for (let i = 1; i <= 8; i++) {
      const expectedCurrent = current.id
      current = await retry(
        () => client.writeVersion(path, value(`v${i}`), {rotationId: `rot-${i}`, stage: 'current', expectedCurrent}),
        policy,
        quiet,
      )
    }
    const failures = h.emulator.calls.filter((c) => c.status === undefined || c.status >= 429).length
    const lostWrites = h.emulator.calls.filter((c) => c.method === 'POST' && c.path === `secret/data/${path}` && c.status === 200).length
    h.emulator.faults.clear()
    expect(failures).toBeGreaterThan(0)
    // Every data write Vault applied is one version: a lost response was never written twice.
    expect(lostWrites).toBe(9)
    expect(h.emulator.calls.some((c) => c.dropped && c.method === 'POST' && c.path.startsWith('secret/data/'))).toBe(true)
    const snapshot = await client.describe(path)
    expect(snapshot.versions.map((v) => v.id)).toEqual(['9', '8', '7', '6', '5', '4', '3', '2', '1'])
    expect(snapshot.versions[0]).toMatchObject({role: 'current', rotationId: 'rot-8'})
    expect((await client.readValue(path, {role: 'current'})).reveal()).toBe('v8')
    expect((await client.readValue(path, {role: 'previous'})).reveal()).toBe('v7')
  })
})

describe('vault errors keep secrets out', () => {
  it('an error from a dropped write shows neither the value nor the token, even inspected', async () => {
    const {inspect} = await import('node:util')
    h.emulator.faults.inject({method: 'POST', path: 'secret/data/leak/check', reset: true})
    const error = await client
      .writeVersion('leak/check', value('super-secret-value-123'), {rotationId: 'r0', stage: 'current'})
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnavailableError)
    const shown = `${inspect(error, {depth: 10})} ${JSON.stringify(error)}`
    expect(shown).not.toContain('super-secret-value-123')
    expect(shown).not.toContain('hvs.distinctive-root-token')
  })

  it('a refused AppRole login does not carry the secret_id in its cause', async () => {
    const {inspect} = await import('node:util')
    h.emulator.state.auth.addAppRole({roleId: 'role-1', secretId: 'right-secret-id', token: {policies: ['root']}})
    const wrong = await h.open({auth: {method: 'approle', roleId: 'role-1'}}, {VAULT_SECRET_ID: 'wrong-secret-id-789'})
    const error = await wrong.describe('x').catch((e: unknown) => e)
    expect(inspect(error, {depth: 10})).not.toContain('wrong-secret-id-789')
  })
})
