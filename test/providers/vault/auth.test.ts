/**
 * Logging in and staying logged in: the token TTL check before the first write, renewal during
 * a long run (by the shared fake clock), a token that cannot last, and AppRole and Kubernetes
 * login through node-vault.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {AuthError} from '../../../src/errors/index.js'
import {SecretValue} from '../../../providers/types.js'
import {type Harness, harness} from './harness.js'

const value = (text: string) => new SecretValue(text)
let h: Harness
beforeEach(async () => {
  h = await harness()
  h.emulator.state.auth.addPolicy('rotor', [
    {path: 'secret/data/*', capabilities: ['create', 'read', 'update']},
    {path: 'secret/metadata/*', capabilities: ['create', 'read', 'update', 'patch', 'list']},
    {path: 'secret/delete/*', capabilities: ['update']},
    {path: 'secret/destroy/*', capabilities: ['update']},
  ])
})
afterEach(() => h.close())

const calls = (path: string) => h.emulator.calls.filter((c) => c.path === path).length

describe('vault token lifetime', () => {
  it('checks the TTL before the first write and renews when it runs short during the run', async () => {
    const token = h.emulator.state.auth.createToken({policies: ['rotor'], ttl: 3600, renewable: true, maxTtl: 86_400})
    const client = await h.open({}, {VAULT_TOKEN: token.id})
    await client.describe('app/key')
    expect(calls('auth/token/lookup-self')).toBe(0)
    const first = await client.writeVersion('app/key', value('v0'), {rotationId: 'r0', stage: 'current'})
    expect(calls('auth/token/lookup-self')).toBe(1)
    expect(calls('auth/token/renew-self')).toBe(0)

    h.clock.advance(3000) // 600 s left: under a third of the TTL
    await client.writeVersion('app/key', value('v1'), {rotationId: 'r1', stage: 'current', expectedCurrent: first.id})
    expect(calls('auth/token/renew-self')).toBe(1)
    expect(token.expireTime?.getTime()).toBe(h.clock.now().getTime() + 3600_000)
    // Renewed: time moves on past the original expiry and writes still work.
    h.clock.advance(1200)
    await client.setMeta('app/key', {promotedAt: h.clock.now().toISOString()})
    expect(calls('auth/token/lookup-self')).toBe(1)
  })

  it('refuses to start writing with a token that expires soon and cannot be renewed', async () => {
    const token = h.emulator.state.auth.createToken({policies: ['rotor'], ttl: 30, renewable: false})
    const client = await h.open({}, {VAULT_TOKEN: token.id})
    const error = await client.writeVersion('app/short', value('v0'), {rotationId: 'r0', stage: 'current'}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).message).toMatch(/expires in 30s and cannot be renewed/)
    expect((error as AuthError).hint).toMatch(/renewable token/)
    expect(h.emulator.calls.some((c) => c.path.startsWith('secret/data/'))).toBe(false)
  })

  it('keeps using a non-renewable token that still has minutes left', async () => {
    const token = h.emulator.state.auth.createToken({policies: ['rotor'], ttl: 240, renewable: false})
    const client = await h.open({}, {VAULT_TOKEN: token.id})
    await expect(client.writeVersion('app/ok', value('v0'), {rotationId: 'r0', stage: 'current'})).resolves.toMatchObject({id: '1'})
    expect(calls('auth/token/renew-self')).toBe(0)
  })

  it('refuses when a renewal is capped by the token max TTL and too little is left', async () => {
    const token = h.emulator.state.auth.createToken({policies: ['rotor'], ttl: 600, renewable: true, maxTtl: 630})
    const client = await h.open({}, {VAULT_TOKEN: token.id})
    h.clock.advance(580)
    // lookup at 20 s left -> renew (capped at 50 s left) -> still under a minute -> refuse.
    await expect(client.writeVersion('app/capped', value('v0'), {rotationId: 'r0', stage: 'current'})).rejects.toThrow(/cannot be renewed/)
    expect(calls('auth/token/renew-self')).toBe(1)
  })
})

describe('vault AppRole login', () => {
  beforeEach(() => {
    h.emulator.state.auth.addAppRole({roleId: 'role-123', secretId: 'secret-456', token: {policies: ['rotor'], ttl: 600, renewable: false}})
  })

  it('logs in with the role_id from settings and the secret_id from the named variable', async () => {
    const client = await h.open({auth: {method: 'approle', roleId: 'role-123', secretIdEnv: 'ROTOR_VAULT_SECRET_ID'}}, {ROTOR_VAULT_SECRET_ID: 'secret-456'})
    await client.writeVersion('app/approle', value('v0'), {rotationId: 'r0', stage: 'current'})
    expect(calls('auth/approle/login')).toBe(1)
    expect((await client.readValue('app/approle', {role: 'current'})).reveal()).toBe('v0')
  })

  it('logs in again when its non-renewable token runs short', async () => {
    const client = await h.open({auth: {method: 'approle', roleId: 'role-123'}}, {VAULT_SECRET_ID: 'secret-456'})
    const first = await client.writeVersion('app/relogin', value('v0'), {rotationId: 'r0', stage: 'current'})
    h.clock.advance(550)
    await client.writeVersion('app/relogin', value('v1'), {rotationId: 'r1', stage: 'current', expectedCurrent: first.id})
    expect(calls('auth/approle/login')).toBe(2)
  })

  it('explains a missing or wrong secret_id', async () => {
    const unset = await h.open({auth: {method: 'approle', roleId: 'role-123'}}, {})
    await expect(unset.describe('x')).rejects.toThrow(/VAULT_SECRET_ID \(the AppRole secret_id\) is not set/)
    const wrong = await h.open({auth: {method: 'approle', roleId: 'role-123'}}, {VAULT_SECRET_ID: 'nope'})
    const error = await wrong.describe('x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).message).toContain('refused the login at auth/approle/login')
    expect((error as AuthError).message).not.toContain('nope')
  })
})

describe('vault Kubernetes login', () => {
  it('posts the service-account JWT to the configured auth mount', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rotor-vault-k8s-'))
    try {
      await writeFile(join(dir, 'sa-token'), 'header.payload.signature\n')
      h.emulator.state.auth.addKubernetesRole({role: 'rotor', jwt: 'header.payload.signature', mount: 'k8s-prod', token: {policies: ['rotor'], ttl: 3600}})
      const client = await h.open({auth: {method: 'kubernetes', role: 'rotor', tokenPath: 'sa-token', mount: 'k8s-prod'}}, {}, dir)
      await client.writeVersion('app/k8s', value('v0'), {rotationId: 'r0', stage: 'current'})
      expect(calls('auth/k8s-prod/login')).toBe(1)
      expect(h.emulator.calls.some((c) => c.path === 'auth//login')).toBe(false)

      const missing = await h.open({auth: {method: 'kubernetes', role: 'rotor', tokenPath: 'absent'}}, {}, dir)
      await expect(missing.describe('x')).rejects.toThrow(/cannot read the service-account token at absent/)
    } finally {
      await rm(dir, {recursive: true, force: true})
    }
  })
})
