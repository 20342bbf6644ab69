/**
 * The Vault adapter through node-vault against the emulator: cas against a concurrent writer,
 * retired versions as `status` sees them, KV v1 refused, errors that say what to do, namespaces,
 * custom_metadata layout and the crash between the data write and the metadata write.
 */
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {AuthError, ConflictError, InvalidRequestError, NotFoundError, UnavailableError} from '../../../src/errors/index.js'
import {SecretValue} from '../../../providers/types.js'
import type {VaultStoreClient} from '../../../providers/vault/client.js'
import {type Harness, harness} from './harness.js'

const value = (text: string) => new SecretValue(text)
let h: Harness
let client: VaultStoreClient

beforeEach(async () => {
  h = await harness({mounts: {secret: {version: 2}, kv: {version: 1}}, namespaces: {'team-a': {secret: {version: 2}}}})
  client = await h.open()
})
afterEach(() => h.close())

async function seeded(path: string, rotations = 0) {
  let current = await client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current'})
  for (let i = 1; i <= rotations; i++) {
    current = await client.writeVersion(path, value(`v${i}`), {rotationId: `rot-${i}`, stage: 'current', expectedCurrent: current.id})
  }
  return current
}

describe('vault adapter: compare-and-swap', () => {
  it('detects a writer that slips in between rotor reading the metadata and writing the data', async () => {
    const first = await seeded('payments/api')
    h.emulator.state.beforeHandle = (call) => {
      if (call.method !== 'POST' || call.path !== 'secret/data/payments/api') return
      h.emulator.state.beforeHandle = undefined
      h.emulator.state.kv('secret').handle({
        method: 'POST',
        subpath: 'data/payments/api',
        query: new URLSearchParams(),
        body: {data: {value: 'other-writer'}},
        contentType: 'application/json',
      })
    }
    const attempt = client.writeVersion('payments/api', value('mine'), {rotationId: 'rot-1', stage: 'current', expectedCurrent: first.id})
    const error = await attempt.catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConflictError)
    expect((error as ConflictError).retryable).toBe(false)
    const sent = h.emulator.calls.filter((c) => c.method === 'POST' && c.path === 'secret/data/payments/api').at(-1)
    expect(sent?.body.options).toEqual({cas: 1})
    // Nothing lost: the other writer's version is current and rotor's original is previous.
    expect((await client.readValue('payments/api', {role: 'current'})).reveal()).toBe('other-writer')
    expect((await client.readValue('payments/api', {role: 'previous'})).reveal()).toBe('v0')
    expect((await client.describe('payments/api')).versions.map((v) => v.id)).toEqual(['2', '1'])
  })

  it('refuses a pending stage: Vault writes are current at once', async () => {
    await expect(client.writeVersion('p/pending', value('x'), {rotationId: 'r', stage: 'pending'})).rejects.toBeInstanceOf(InvalidRequestError)
    expect(h.emulator.calls.some((c) => c.path.includes('p/pending'))).toBe(false)
  })
})

describe('vault adapter: retired versions as status sees them', () => {
  it('reports a previous version soft-deleted by another tool as retired and disabled', async () => {
    await seeded('svc/soft', 1)
    await h.raw('POST', 'secret/delete/svc/soft', {versions: [1]})
    const snapshot = await client.describe('svc/soft')
    expect(snapshot.versions).toMatchObject([
      {id: '2', role: 'current', enabled: true, destroyed: false, rotationId: 'rot-1'},
      {id: '1', role: 'retired', enabled: false, destroyed: false, rotationId: 'rot-0'},
    ])
    await expect(client.readValue('svc/soft', {role: 'previous'})).rejects.toBeInstanceOf(NotFoundError)
  })

  it('reports a destroyed previous version as destroyed, and retiring it again is a no-op', async () => {
    await seeded('svc/destroyed', 1)
    await h.raw('POST', 'secret/destroy/svc/destroyed', {versions: [1]})
    expect((await client.describe('svc/destroyed')).versions[1]).toMatchObject({id: '1', role: 'retired', enabled: false, destroyed: true})
    const before = h.emulator.calls.length
    await client.retire('svc/destroyed', '1', 'disable')
    await client.retire('svc/destroyed', '1', 'destroy')
    expect(h.emulator.calls.slice(before).some((c) => /^secret\/(delete|destroy)\//.test(c.path))).toBe(false)
    await expect(client.readValue('svc/destroyed', {versionId: '1'})).rejects.toBeInstanceOf(NotFoundError)
  })

  it('an older version loses its role but stays readable until retired', async () => {
    await seeded('svc/older', 2)
    const {versions} = await client.describe('svc/older')
    expect(versions.map((v) => [v.id, v.role, v.enabled])).toEqual([
      ['3', 'current', true],
      ['2', 'previous', true],
      ['1', 'retired', true],
    ])
    expect((await client.readValue('svc/older', {versionId: '1'})).reveal()).toBe('v0')
  })
})

describe('vault adapter: mounts, errors and namespaces', () => {
  it('refuses a KV version 1 mount with a clear message and hint', async () => {
    const v1 = await h.open({mount: 'kv'})
    const error = await v1.describe('x').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect((error as InvalidRequestError).message).toContain('kv/ is KV version 1')
    expect((error as InvalidRequestError).hint).toContain('vault kv enable-versioning kv')
    const missing = await h.open({mount: 'nowhere'})
    const absent = await missing.describe('x').catch((e: unknown) => e)
    expect(absent).toBeInstanceOf(AuthError)
    expect((absent as AuthError).message).toContain('no KV mount at nowhere/ that this token can use')
  })

  it('names the Vault path and the capability a policy lacks', async () => {
    await seeded('payments/api')
    h.emulator.state.auth.addPolicy('no-update', [
      {path: 'secret/data/*', capabilities: ['create', 'read']},
      {path: 'secret/metadata/*', capabilities: ['create', 'read', 'patch']},
    ])
    const token = h.emulator.state.auth.createToken({policies: ['no-update'], ttl: 0})
    const limited = await h.open({}, {VAULT_TOKEN: token.id})
    const error = await limited
      .writeVersion('payments/api', value('next'), {rotationId: 'rot-1', stage: 'current', expectedCurrent: '1'})
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).message).toContain('lacks `update` on secret/data/payments/api')
    expect((error as AuthError).hint).toContain('path "secret/data/payments/api"')
  })

  it('warns when TLS verification is switched off', async () => {
    const warnings: string[] = []
    const listener = (warning: Error) => warnings.push(warning.message)
    process.on('warning', listener)
    try {
      await h.open({tls: {insecureSkipVerify: true}})
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('warning', listener)
    }
    expect(warnings.some((w) => w.includes('TLS certificate verification') && w.includes('is OFF'))).toBe(true)
  })

  it('explains a sealed Vault and marks it retryable', async () => {
    h.emulator.state.sealed = true
    const error = await client.describe('any').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnavailableError)
    expect((error as UnavailableError).message).toContain('Vault is sealed')
    expect((error as UnavailableError).hint).toContain('unseal')
    expect((error as UnavailableError).retryable).toBe(true)
  })

  it('an invalid token is an AuthError that says so', async () => {
    const stranger = await h.open({}, {VAULT_TOKEN: 'not-a-token'})
    await expect(stranger.describe('x')).rejects.toThrow(/invalid, revoked or expired/)
    const none = await h.open({}, {})
    await expect(none.describe('x')).rejects.toThrow(/VAULT_TOKEN is not set/)
  })

  it('keeps namespaces apart', async () => {
    const teamA = await h.open({namespace: 'team-a'})
    await client.writeVersion('shared/key', value('root-value'), {rotationId: 'r1', stage: 'current'})
    expect((await teamA.describe('shared/key')).exists).toBe(false)
    await teamA.writeVersion('shared/key', value('team-value'), {rotationId: 'r1', stage: 'current'})
    expect((await teamA.readValue('shared/key', {role: 'current'})).reveal()).toBe('team-value')
    expect((await client.readValue('shared/key', {role: 'current'})).reveal()).toBe('root-value')
    expect(h.emulator.calls.filter((c) => c.namespace === 'team-a').length).toBeGreaterThan(0)
  })
})

describe('vault adapter: custom_metadata and crash recovery', () => {
  it('keeps labels, meta and a bounded window of rotation ids in custom_metadata', async () => {
    const first = await client.writeVersion('app/meta', value('v0'), {rotationId: 'rot-0', stage: 'current', labels: {team: 'payments'}})
    let current = first
    for (let i = 1; i <= 4; i++) {
      current = await client.writeVersion('app/meta', value(`v${i}`), {
        rotationId: `rot-${i}`,
        stage: 'current',
        expectedCurrent: current.id,
        meta: {promotedAt: `2026-03-0${i}T00:00:00.000Z`},
      })
    }
    const custom = (await h.raw('GET', 'secret/metadata/app/meta')).body.data.custom_metadata
    expect(custom).toEqual({
      'managed-by': 'rotor',
      team: 'payments',
      'rotor.meta.promotedAt': '2026-03-04T00:00:00.000Z',
      'rotor.rotation.3': 'rot-2',
      'rotor.rotation.4': 'rot-3',
      'rotor.rotation.5': 'rot-4',
    })
    const snapshot = await client.describe('app/meta')
    expect(snapshot.labels).toEqual({'managed-by': 'rotor', team: 'payments'})
    expect(snapshot.meta).toEqual({promotedAt: '2026-03-04T00:00:00.000Z'})
  })

  it('refuses meta beyond Vault limits before writing anything', async () => {
    await seeded('app/limits')
    const before = h.emulator.calls.length
    await expect(client.setMeta('app/limits', {note: 'x'.repeat(600)})).rejects.toThrow(/longer than 512 bytes/)
    const tooMany = Object.fromEntries(Array.from({length: 70}, (_, i) => [`k${i}`, 'v']))
    await expect(
      client.writeVersion('app/limits', value('next'), {rotationId: 'rot-9', stage: 'current', expectedCurrent: '1', meta: tooMany}),
    ).rejects.toBeInstanceOf(InvalidRequestError)
    expect(h.emulator.calls.slice(before).filter((c) => c.method !== 'GET')).toEqual([])
  })

  it('recovers a rotation whose metadata record was lost after the data write', async () => {
    const first = await seeded('app/crash')
    h.emulator.faults.inject({method: 'PATCH', path: 'secret/metadata/app/crash', status: 500})
    const write = () => client.writeVersion('app/crash', value('v1'), {rotationId: 'rot-1', stage: 'current', expectedCurrent: first.id})
    await expect(write()).rejects.toBeInstanceOf(UnavailableError)
    // The version exists but custom_metadata does not know it; describe reads the data's field.
    expect((await client.describe('app/crash')).versions[0]).toMatchObject({id: '2', role: 'current', rotationId: 'rot-1'})
    const retried = await write()
    expect(retried).toMatchObject({id: '2', role: 'current', rotationId: 'rot-1'})
    expect((await h.raw('GET', 'secret/metadata/app/crash')).body.data.custom_metadata['rotor.rotation.2']).toBe('rot-1')
    expect((await client.describe('app/crash')).versions).toHaveLength(2)
    await expect(
      client.writeVersion('app/crash', value('other'), {rotationId: 'rot-1', stage: 'current', expectedCurrent: first.id}),
    ).rejects.toBeInstanceOf(ConflictError)
  })

  it('repeats a write whose response was lost without writing a second version', async () => {
    h.emulator.faults.inject({method: 'POST', path: 'secret/data/app/lost', phase: 'after'})
    const write = () => client.writeVersion('app/lost', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    await expect(write()).rejects.toBeInstanceOf(UnavailableError)
    await expect(write()).resolves.toMatchObject({id: '1', rotationId: 'rot-0'})
    const snapshot = await client.describe('app/lost')
    expect(snapshot).toMatchObject({exists: true, owned: true})
    expect(snapshot.versions).toHaveLength(1)
  })

  it('works under a path prefix and lists relative paths', async () => {
    const prefixed = await h.open({pathPrefix: 'apps/prod'})
    await prefixed.writeVersion('payments/api', value('x'), {rotationId: 'r', stage: 'current'})
    await prefixed.writeVersion('payments/db/main', value('y'), {rotationId: 'r', stage: 'current'})
    expect((await h.raw('GET', 'secret/data/apps/prod/payments/api')).status).toBe(200)
    expect(await prefixed.list('payments/')).toEqual(['payments/api', 'payments/db/main'])
    expect(await prefixed.list('pay')).toEqual(['payments/api', 'payments/db/main'])
    expect(await prefixed.list('nothing/')).toEqual([])
  })

  it('reads only the configured field and says so when a foreign secret lacks it', async () => {
    await h.raw('POST', 'secret/data/foreign/db', {data: {password: 'p'}})
    await expect(client.readValue('foreign/db', {role: 'current'})).rejects.toThrow(/no string "value" key/)
    const byField = await h.open({field: 'password'})
    expect((await byField.readValue('foreign/db', {role: 'current'})).reveal()).toBe('p')
  })
})
