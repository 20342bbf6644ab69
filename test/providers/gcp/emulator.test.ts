/**
 * The emulator itself, through the plain SDK over gRPC: the Secret Manager semantics rotor relies
 * on (etags, aliases, `latest`, version states, delayed destruction, filters, paging, status codes).
 */
import {SecretManagerServiceClient} from '@google-cloud/secret-manager'
import {grpc} from 'google-gax'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type GcpEmulator, startGcpEmulator} from '../../emulators/gcp/server.js'

const PARENT = 'projects/emu-test'
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e as {code: number; details: string})
const text = (data: unknown) => Buffer.from(data as Uint8Array).toString('utf8')

describe('GCP Secret Manager emulator (plain SDK over gRPC)', () => {
  let clock = Date.parse('2026-03-02T04:00:00Z')
  let emulator: GcpEmulator
  let sm: SecretManagerServiceClient
  beforeAll(async () => {
    emulator = await startGcpEmulator({now: () => clock})
    sm = new SecretManagerServiceClient({
      apiEndpoint: emulator.endpoint,
      port: emulator.port,
      sslCreds: grpc.credentials.createInsecure(),
      projectId: 'emu-test',
      universeDomain: 'googleapis.com',
    })
  })
  afterAll(async () => {
    await sm.close()
    await emulator.close()
  })

  async function secretWith(id: string, values: string[], extra: Record<string, unknown> = {}) {
    const [secret] = await sm.createSecret({parent: PARENT, secretId: id, secret: {replication: {automatic: {}}, ...extra}})
    for (const v of values) await sm.addSecretVersion({parent: secret.name, payload: {data: Buffer.from(v)}})
    return secret.name!
  }

  it('creates secrets with quoted etags and refuses duplicates, bad ids and missing replication', async () => {
    const name = await secretWith('create-a', [])
    const [secret] = await sm.getSecret({name})
    expect(secret.etag).toMatch(/^"[0-9a-f]+"$/)
    expect(await failure(sm.createSecret({parent: PARENT, secretId: 'create-a', secret: {replication: {automatic: {}}}}))).toMatchObject({
      code: grpc.status.ALREADY_EXISTS,
    })
    expect(await failure(sm.createSecret({parent: PARENT, secretId: 'has/slash', secret: {replication: {automatic: {}}}}))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    })
    expect(await failure(sm.createSecret({parent: PARENT, secretId: 'no-replication', secret: {}}))).toMatchObject({code: grpc.status.INVALID_ARGUMENT})
    expect(await failure(sm.getSecret({name: `${PARENT}/secrets/missing`}))).toMatchObject({code: grpc.status.NOT_FOUND})
  })

  it('checks the secret etag on UpdateSecret; AddSecretVersion leaves the secret etag alone', async () => {
    const name = await secretWith('etag-a', ['v1'])
    const [before] = await sm.getSecret({name})
    await sm.addSecretVersion({parent: name, payload: {data: Buffer.from('v2')}})
    const [afterAdd] = await sm.getSecret({name})
    expect(afterAdd.etag).toBe(before.etag)
    const [updated] = await sm.updateSecret({secret: {name, etag: before.etag, labels: {team: 'pay'}}, updateMask: {paths: ['labels']}})
    expect(updated.etag).not.toBe(before.etag)
    const stale = await failure(sm.updateSecret({secret: {name, etag: before.etag, labels: {}}, updateMask: {paths: ['labels']}}))
    expect(stale).toMatchObject({code: grpc.status.FAILED_PRECONDITION})
    expect(await failure(sm.updateSecret({secret: {name, labels: {}}, updateMask: {paths: []}}))).toMatchObject({code: grpc.status.INVALID_ARGUMENT})
    expect(await failure(sm.updateSecret({secret: {name, labels: {Bad: 'x'}}, updateMask: {paths: ['labels']}}))).toMatchObject({
      code: grpc.status.INVALID_ARGUMENT,
    })
  })

  it('accesses by number, alias and latest; aliases must name existing versions', async () => {
    const name = await secretWith('access-a', ['one', 'two', 'three'])
    await sm.updateSecret({secret: {name, versionAliases: {current: 2, previous: 1}}, updateMask: {paths: ['version_aliases']}})
    const read = async (ref: string) => text((await sm.accessSecretVersion({name: `${name}/versions/${ref}`}))[0].payload?.data)
    expect(await read('1')).toBe('one')
    expect(await read('current')).toBe('two')
    expect(await read('previous')).toBe('one')
    expect(await read('latest')).toBe('three')
    const [resolved] = await sm.accessSecretVersion({name: `${name}/versions/current`})
    expect(resolved.name).toBe(`${name}/versions/2`)
    expect(await failure(sm.accessSecretVersion({name: `${name}/versions/pending`}))).toMatchObject({code: grpc.status.NOT_FOUND})
    const dangling = sm.updateSecret({secret: {name, versionAliases: {current: 9}}, updateMask: {paths: ['version_aliases']}})
    expect(await failure(dangling)).toMatchObject({code: grpc.status.INVALID_ARGUMENT})
    const reserved = sm.updateSecret({secret: {name, versionAliases: {latest: 1}}, updateMask: {paths: ['version_aliases']}})
    expect(await failure(reserved)).toMatchObject({code: grpc.status.INVALID_ARGUMENT})
  })

  it('refuses to read a disabled version, even as `latest` while an older one is enabled', async () => {
    const name = await secretWith('disabled-a', ['old', 'new'])
    const [v2] = await sm.getSecretVersion({name: `${name}/versions/2`})
    await sm.disableSecretVersion({name: v2.name, etag: v2.etag})
    const latest = await failure(sm.accessSecretVersion({name: `${name}/versions/latest`}))
    expect(latest).toMatchObject({code: grpc.status.FAILED_PRECONDITION})
    expect(latest?.details).toMatch(/is in DISABLED state/)
    expect(text((await sm.accessSecretVersion({name: `${name}/versions/1`}))[0].payload?.data)).toBe('old')
    // The version etag moved with the disable: the old one no longer works.
    expect(await failure(sm.enableSecretVersion({name: v2.name, etag: v2.etag}))).toMatchObject({code: grpc.status.FAILED_PRECONDITION})
  })

  it('destroys at once, or disables and schedules destruction under a version-destroy TTL', async () => {
    const now = await secretWith('destroy-now', ['x'])
    const [destroyed] = await sm.destroySecretVersion({name: `${now}/versions/1`})
    expect(destroyed.state).toBe('DESTROYED')
    expect(await failure(sm.enableSecretVersion({name: `${now}/versions/1`}))).toMatchObject({code: grpc.status.FAILED_PRECONDITION})

    const ttl = await secretWith('destroy-ttl', ['a', 'b'], {versionDestroyTtl: {seconds: 86_400}})
    const [scheduled] = await sm.destroySecretVersion({name: `${ttl}/versions/1`})
    expect(scheduled.state).toBe('DISABLED')
    expect(scheduled.scheduledDestroyTime?.seconds).toBeDefined()
    // Enabling restores a version scheduled for destruction.
    const [restored] = await sm.enableSecretVersion({name: `${ttl}/versions/1`})
    expect(restored).toMatchObject({state: 'ENABLED', scheduledDestroyTime: null})
    await sm.destroySecretVersion({name: `${ttl}/versions/2`})
    clock += 86_400_000 + 1
    const [later] = await sm.getSecretVersion({name: `${ttl}/versions/2`})
    expect(later.state).toBe('DESTROYED')
  })

  it('lists secrets by name substring and label, sorted and paged; lists versions newest first', async () => {
    for (let i = 0; i < 5; i++) await secretWith(`list__item-${i}`, [], {labels: i % 2 === 0 ? {team: 'pay'} : {}})
    const names: string[] = []
    let pageToken = ''
    let pages = 0
    do {
      const [page, , raw] = await sm.listSecrets({parent: PARENT, filter: 'name:list__', pageSize: 2, pageToken}, {autoPaginate: false})
      names.push(...page.map((s) => s.name!.split('/').pop()!))
      pageToken = raw?.nextPageToken ?? ''
      pages++
    } while (pageToken)
    expect(pages).toBe(3)
    expect(names).toEqual([0, 1, 2, 3, 4].map((i) => `list__item-${i}`))
    const [labelled] = await sm.listSecrets({parent: PARENT, filter: 'name:list__ AND labels.team=pay'}, {autoPaginate: false})
    expect(labelled.map((s) => s.name!.split('/').pop())).toEqual(['list__item-0', 'list__item-2', 'list__item-4'])
    expect(await failure(sm.listSecrets({parent: PARENT, filter: 'bogus~x'}, {autoPaginate: false}))).toMatchObject({code: grpc.status.INVALID_ARGUMENT})

    const name = await secretWith('versions-a', ['1', '2', '3'])
    const [versions] = await sm.listSecretVersions({parent: name}, {autoPaginate: false})
    expect(versions.map((v) => v.name!.split('/').pop())).toEqual(['3', '2', '1'])
  })

  it('denies a switched-off permission with the real message, and counts writes against the quota', async () => {
    const name = await secretWith('perm-a', ['x'])
    emulator.faults.deny('secretmanager.versions.access')
    try {
      const denied = await failure(sm.accessSecretVersion({name: `${name}/versions/1`}))
      expect(denied).toMatchObject({code: grpc.status.PERMISSION_DENIED})
      expect(denied?.details).toBe(`Permission 'secretmanager.versions.access' denied for resource '${name}/versions/1' (or it may not exist).`)
      const [tested] = await sm.testIamPermissions({resource: name, permissions: ['secretmanager.versions.access', 'secretmanager.versions.add']})
      expect(tested.permissions).toEqual(['secretmanager.versions.add'])
    } finally {
      emulator.faults.allow('secretmanager.versions.access')
    }
    clock += 60_000
    emulator.quota.limit = 2
    try {
      await sm.addSecretVersion({parent: name, payload: {data: Buffer.from('a')}})
      await sm.addSecretVersion({parent: name, payload: {data: Buffer.from('b')}})
      const exhausted = await failure(sm.addSecretVersion({parent: name, payload: {data: Buffer.from('c')}}))
      expect(exhausted).toMatchObject({code: grpc.status.RESOURCE_EXHAUSTED})
      // Reads are not writes.
      await expect(sm.getSecret({name})).resolves.toBeDefined()
      clock += 60_000
      await expect(sm.addSecretVersion({parent: name, payload: {data: Buffer.from('c')}})).resolves.toBeDefined()
    } finally {
      emulator.quota.limit = 600
    }
  })
})
