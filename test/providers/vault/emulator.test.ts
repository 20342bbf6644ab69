/**
 * The emulator's KV v2 semantics over plain HTTP, checked against what the Vault API reference
 * and the KV plugin source say (see test/emulators/vault/kv.ts).
 */
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {type Harness, harness} from './harness.js'

let h: Harness
beforeEach(async () => {
  h = await harness({mounts: {secret: {version: 2}, strict: {version: 2, casRequired: true}, kv: {version: 1}}, namespaces: {'team-a': {secret: {version: 2}}}})
})
afterEach(() => h.close())

const write = (path: string, value: string, cas?: number, mount = 'secret') =>
  h.raw('POST', `${mount}/data/${path}`, {data: {value}, ...(cas === undefined ? {} : {options: {cas}})})

describe('vault emulator: data writes with cas', () => {
  it('cas 0 creates a key once and fails on an existing one', async () => {
    expect((await write('app/a', 'one', 0)).body.data.version).toBe(1)
    const again = await write('app/a', 'two', 0)
    expect(again.status).toBe(400)
    expect(again.body.errors[0]).toContain('check-and-set parameter did not match the current version')
  })

  it('cas N succeeds only when N is the current version; no cas always writes', async () => {
    await write('app/b', 'one')
    expect((await write('app/b', 'two', 1)).body.data.version).toBe(2)
    expect((await write('app/b', 'three', 1)).status).toBe(400)
    expect((await write('app/b', 'three')).body.data.version).toBe(3)
  })

  it('cas_required on the mount or on one key refuses writes without cas', async () => {
    const strict = await write('x', 'v', undefined, 'strict')
    expect(strict.status).toBe(400)
    expect(strict.body.errors[0]).toContain('check-and-set parameter required')
    expect((await write('x', 'v', 0, 'strict')).status).toBe(200)

    expect((await h.raw('POST', 'secret/metadata/guarded', {cas_required: true})).status).toBe(204)
    expect((await write('guarded', 'v')).status).toBe(400)
    expect((await write('guarded', 'v', 0)).status).toBe(200)
  })
})

describe('vault emulator: versions', () => {
  it('reads latest or ?version=N, and a soft-deleted version is a 404 that still carries metadata', async () => {
    await write('app/c', 'one')
    await write('app/c', 'two')
    expect((await h.raw('GET', 'secret/data/app/c')).body.data.data.value).toBe('two')
    expect((await h.raw('GET', 'secret/data/app/c?version=1')).body.data.data.value).toBe('one')

    expect((await h.raw('POST', 'secret/delete/app/c', {versions: [1]})).status).toBe(204)
    const deleted = await h.raw('GET', 'secret/data/app/c?version=1')
    expect(deleted.status).toBe(404)
    expect(deleted.body.data.data).toBeNull()
    expect(deleted.body.data.metadata.deletion_time).not.toBe('')
    expect(deleted.body.data.metadata.destroyed).toBe(false)

    expect((await h.raw('POST', 'secret/undelete/app/c', {versions: [1]})).status).toBe(204)
    expect((await h.raw('GET', 'secret/data/app/c?version=1')).body.data.data.value).toBe('one')

    expect((await h.raw('POST', 'secret/destroy/app/c', {versions: [1]})).status).toBe(204)
    expect((await h.raw('POST', 'secret/undelete/app/c', {versions: [1]})).status).toBe(204)
    const destroyed = await h.raw('GET', 'secret/data/app/c?version=1')
    expect(destroyed.status).toBe(404)
    expect(destroyed.body.data.metadata.destroyed).toBe(true)

    const metadata = (await h.raw('GET', 'secret/metadata/app/c')).body.data
    expect(metadata).toMatchObject({current_version: 2, oldest_version: 0})
    expect(metadata.versions['1']).toMatchObject({destroyed: true})
    expect(metadata.versions['2']).toMatchObject({destroyed: false, deletion_time: ''})
  })

  it('DELETE on data soft-deletes the latest version; a missing key reads as 404 without data', async () => {
    await write('app/d', 'one')
    expect((await h.raw('DELETE', 'secret/data/app/d')).status).toBe(204)
    expect((await h.raw('GET', 'secret/data/app/d')).status).toBe(404)
    const missing = await h.raw('GET', 'secret/data/app/none')
    expect(missing).toEqual({status: 404, body: {errors: []}})
    expect((await h.raw('POST', 'secret/delete/app/none', {versions: [1]})).status).toBe(204)
  })

  it('prunes the oldest versions beyond max_versions', async () => {
    await h.raw('POST', 'secret/metadata/app/e', {max_versions: 3})
    for (let i = 1; i <= 5; i++) await write('app/e', `v${i}`)
    const metadata = (await h.raw('GET', 'secret/metadata/app/e')).body.data
    expect(metadata.current_version).toBe(5)
    expect(metadata.oldest_version).toBe(3)
    expect(Object.keys(metadata.versions).sort()).toEqual(['3', '4', '5'])
    expect((await h.raw('GET', 'secret/data/app/e?version=2')).status).toBe(404)
  })

  it('deletes versions automatically after delete_version_after, by the emulator clock', async () => {
    await h.raw('POST', 'secret/metadata/app/f', {delete_version_after: '1h'})
    await write('app/f', 'one')
    expect((await h.raw('GET', 'secret/data/app/f')).status).toBe(200)
    h.clock.advance(3601)
    expect((await h.raw('GET', 'secret/data/app/f')).status).toBe(404)
  })
})

describe('vault emulator: metadata', () => {
  it('rejects custom_metadata beyond Vault limits with a 400', async () => {
    const tooMany = Object.fromEntries(Array.from({length: 65}, (_, i) => [`k${i}`, 'v']))
    const cases = [tooMany, {['k'.repeat(129)]: 'v'}, {k: 'v'.repeat(513)}, {k: 'line\nbreak'}, {k: ''}]
    for (const custom of cases) {
      const response = await h.raw('POST', 'secret/metadata/app/g', {custom_metadata: custom})
      expect(response.status).toBe(400)
      expect(response.body.errors[0]).toContain('custom_metadata validation failed')
    }
    expect((await h.raw('POST', 'secret/metadata/app/g', {custom_metadata: {k: 'v'.repeat(512)}})).status).toBe(204)
  })

  it('POST replaces custom_metadata, PATCH merges it and null removes a key', async () => {
    await h.raw('POST', 'secret/metadata/app/h', {custom_metadata: {a: '1', b: '2'}})
    const patch = (body: unknown, type = 'application/merge-patch+json') => h.raw('PATCH', 'secret/metadata/app/h', body, {'content-type': type})
    expect((await patch({custom_metadata: {b: null, c: '3'}})).status).toBe(204)
    expect((await h.raw('GET', 'secret/metadata/app/h')).body.data.custom_metadata).toEqual({a: '1', c: '3'})
    expect((await patch({custom_metadata: {d: '4'}}, 'application/json')).status).toBe(415)
    expect((await h.raw('PATCH', 'secret/metadata/app/none', {custom_metadata: {a: '1'}}, {'content-type': 'application/merge-patch+json'})).status).toBe(404)
    await h.raw('POST', 'secret/metadata/app/h', {custom_metadata: {z: '9'}})
    expect((await h.raw('GET', 'secret/metadata/app/h')).body.data.custom_metadata).toEqual({z: '9'})
  })

  it('lists keys and folders with GET ?list=true, and 404s an empty folder', async () => {
    await write('team/one', 'x')
    await write('team/sub/two', 'x')
    expect((await h.raw('GET', 'secret/metadata/team?list=true')).body.data.keys).toEqual(['one', 'sub/'])
    expect((await h.raw('GET', 'secret/metadata/nothing/?list=true')).status).toBe(404)
  })
})

describe('vault emulator: tokens, policies, namespaces, seal', () => {
  it('requires a valid token and enforces policy capabilities with create vs update', async () => {
    expect((await h.raw('GET', 'secret/data/x', undefined, {'x-vault-token': ''})).status).toBe(403)
    h.emulator.state.auth.addPolicy('writer', [{path: 'secret/data/app/*', capabilities: ['create', 'read']}])
    const token = h.emulator.state.auth.createToken({policies: ['writer'], ttl: 3600})
    const as = {'x-vault-token': token.id}
    expect((await h.raw('POST', 'secret/data/app/p', {data: {value: '1'}}, as)).status).toBe(200)
    const update = await h.raw('POST', 'secret/data/app/p', {data: {value: '2'}}, as)
    expect(update.status).toBe(403)
    expect(update.body.errors[0]).toContain('permission denied')
    expect((await h.raw('GET', 'secret/data/other', undefined, as)).status).toBe(403)
    const caps = await h.raw('POST', 'sys/capabilities-self', {paths: ['secret/data/app/p', 'secret/destroy/app/p']}, as)
    expect(caps.body.data).toMatchObject({'secret/data/app/p': ['create', 'read'], 'secret/destroy/app/p': ['deny']})
  })

  it('expires tokens by the injected clock, renews renewable ones up to their max TTL', async () => {
    const token = h.emulator.state.auth.createToken({ttl: 600, renewable: true, maxTtl: 900})
    const as = {'x-vault-token': token.id}
    expect((await h.raw('GET', 'auth/token/lookup-self', undefined, as)).body.data).toMatchObject({ttl: 600, creation_ttl: 600, renewable: true})
    h.clock.advance(500)
    const renewed = await h.raw('POST', 'auth/token/renew-self', {}, as)
    expect(renewed.body.auth.lease_duration).toBe(400)
    h.clock.advance(401)
    const expired = await h.raw('GET', 'auth/token/lookup-self', undefined, as)
    expect(expired.status).toBe(403)
    expect(expired.body.errors[0]).toContain('invalid token')
  })

  it('keeps namespaces apart', async () => {
    await write('shared/name', 'root-ns')
    const ns = {'x-vault-namespace': 'team-a'}
    expect((await h.raw('GET', 'secret/data/shared/name', undefined, ns)).status).toBe(404)
    await h.raw('POST', 'secret/data/shared/name', {data: {value: 'team-a'}}, ns)
    expect((await h.raw('GET', 'secret/data/shared/name', undefined, ns)).body.data.data.value).toBe('team-a')
    expect((await h.raw('GET', 'secret/data/shared/name')).body.data.data.value).toBe('root-ns')
    expect((await h.raw('GET', 'secret/data/x', undefined, {'x-vault-namespace': 'nope'})).status).toBe(404)
  })

  it('reports mounts with their KV version, and answers 503 when sealed', async () => {
    const mounts = (await h.raw('GET', 'sys/mounts')).body.data
    expect(mounts['secret/'].options).toEqual({version: '2'})
    expect(mounts['kv/'].options).toBeNull()
    h.emulator.state.sealed = true
    const sealed = await h.raw('GET', 'secret/data/x')
    expect(sealed).toEqual({status: 503, body: {errors: ['Vault is sealed']}})
    expect((await h.raw('GET', 'sys/health')).body.sealed).toBe(true)
  })

  it('injects faults by rule and by seeded rate, identically for the same seed', async () => {
    h.emulator.faults.inject({path: 'secret/data/', status: 429, retryAfterSeconds: 3})
    const throttled = await fetch(`${h.emulator.address}/v1/secret/data/x`, {headers: {'x-vault-token': 'root'}})
    expect(throttled.status).toBe(429)
    expect(throttled.headers.get('retry-after')).toBe('3')
    const outcomes = async (seed: number) => {
      h.emulator.faults.seed(seed)
      h.emulator.faults.rates = {throttle: 0.2, error: 0.2, reset: 0, lost: 0}
      const statuses: number[] = []
      for (let i = 0; i < 20; i++) statuses.push((await h.raw('GET', 'sys/mounts')).status)
      return statuses
    }
    const first = await outcomes(7)
    expect(first).toContain(200)
    expect(first.some((s) => s === 429 || s === 500)).toBe(true)
    expect(await outcomes(7)).toEqual(first)
  })
})
