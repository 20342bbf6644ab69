/** `rotor doctor` on a Vault store: one check per concern, naming what is missing. */
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {type Harness, harness} from './harness.js'

let h: Harness
beforeEach(async () => {
  h = await harness({mounts: {secret: {version: 2}, kv: {version: 1}}})
})
afterEach(() => h.close())

describe('vault doctor', () => {
  it('passes with a token that may do everything, and flags a secret rotor does not own', async () => {
    await h.raw('POST', 'secret/data/theirs', {data: {value: 'x'}})
    const checks = await (await h.open()).doctor(['payments/api', 'theirs'])
    expect(checks.filter((c) => !c.ok).map((c) => c.check)).toEqual(['ownership of theirs'])
    expect(checks.map((c) => c.check)).toEqual([
      `reach Vault at ${h.emulator.address}`,
      'Vault token (lookup-self)',
      'KV version of secret/',
      'policy for payments/api',
      'policy for theirs',
      'ownership of theirs',
    ])
    expect(checks[1].detail).toBe('never expires, not renewable')
  })

  it('names each capability the policy lacks, per endpoint, without writing anything', async () => {
    h.emulator.state.auth.addPolicy('partial', [
      {path: 'secret/data/payments/*', capabilities: ['create', 'read', 'update']},
      {path: 'secret/metadata/payments/*', capabilities: ['read', 'create']},
      {path: 'secret/delete/payments/*', capabilities: ['update']},
    ])
    const token = h.emulator.state.auth.createToken({policies: ['partial'], ttl: 7200, renewable: true})
    const checks = await (await h.open({}, {VAULT_TOKEN: token.id})).doctor(['payments/api'])
    const policy = checks.find((c) => c.check === 'policy for payments/api')!
    expect(policy.ok).toBe(false)
    expect(policy.detail).toContain('patch on secret/metadata/payments/api')
    expect(policy.detail).toContain('update on secret/destroy/payments/api')
    expect(policy.detail).not.toContain('secret/data/')
    expect(checks.find((c) => c.check === 'Vault token (lookup-self)')?.detail).toBe('expires in 7200s, renewable')
    expect(h.emulator.calls.filter((c) => /^secret\/(data|delete|destroy)\//.test(c.path) || c.method === 'PATCH')).toEqual([])
  })

  it('reports a sealed Vault, a KV v1 mount and a bad token as failed checks with hints', async () => {
    h.emulator.state.sealed = true
    const sealed = await (await h.open()).doctor(['x'])
    expect(sealed).toEqual([expect.objectContaining({ok: false, detail: 'Vault is sealed', hint: expect.stringContaining('unseal')})])
    h.emulator.state.sealed = false

    const v1 = await (await h.open({mount: 'kv'})).doctor(['x'])
    expect(v1.at(-1)).toMatchObject({check: 'KV version of kv/', ok: false, hint: expect.stringContaining('enable-versioning')})

    const badToken = await (await h.open({}, {VAULT_TOKEN: 'expired'})).doctor(['x'])
    expect(badToken.at(-1)).toMatchObject({check: 'Vault token (lookup-self)', ok: false})
    expect(badToken.at(-1)?.detail).toMatch(/invalid, revoked or expired/)
  })
})
