/** Error translation at the GCP adapter's boundary, settings, naming and `doctor`, against the emulator. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AuthError, InvalidRequestError, NotFoundError, ThrottledError, UnavailableError} from '../../../src/errors/index.js'
import {retry} from '../../../src/util/retry.js'
import {gcpFactory} from '../../../providers/gcp/factory.js'
import {fromSecretId, toSecretId} from '../../../providers/gcp/naming.js'
import {SecretValue} from '../../../providers/types.js'
import {type GcpFixture, startGcpFixture} from '../../emulators/gcp/fixture.js'

const value = (text: string) => new SecretValue(text)
const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e)

describe('GCP store: error translation', () => {
  let clock = Date.parse('2026-03-02T04:00:00Z')
  let fx: GcpFixture
  beforeAll(async () => {
    fx = await startGcpFixture({now: () => clock})
  })
  afterAll(async () => fx.close())

  it('names the missing permission when access is denied', async () => {
    const current = (await fx.client.writeVersion('err/denied', value('v0'), {rotationId: 'rot-0', stage: 'current'})).id
    fx.emulator.faults.deny('secretmanager.versions.add')
    try {
      const error = await caught(fx.client.writeVersion('err/denied', value('v1'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: current}))
      expect(error).toBeInstanceOf(AuthError)
      expect((error as AuthError).message).toContain('missing secretmanager.versions.add')
      expect((error as AuthError).hint).toContain('grant secretmanager.versions.add on projects/rotor-test/secrets/err__denied')
      expect((error as AuthError).retryable).toBe(false)
    } finally {
      fx.emulator.faults.allow('secretmanager.versions.add')
    }
  })

  it('makes RESOURCE_EXHAUSTED (the write quota) a retryable ThrottledError that backoff gets through', async () => {
    const current = (await fx.client.writeVersion('err/quota', value('v0'), {rotationId: 'rot-0', stage: 'current'})).id
    clock += 60_000
    fx.emulator.quota.limit = 1
    try {
      const write = () => fx.client.writeVersion('err/quota', value('v1'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: current})
      const error = await caught(write())
      expect(error).toBeInstanceOf(ThrottledError)
      expect((error as ThrottledError).retryable).toBe(true)
      expect((error as ThrottledError).hint).toMatch(/600 write requests per minute/)
      // Each backoff lets a minute pass: the next window has room for one more write.
      const staged = await retry(write, {attempts: 6, baseMs: 1, capMs: 1}, {sleep: async () => void (clock += 60_000)})
      expect(staged).toMatchObject({role: 'pending', rotationId: 'rot-1'})
    } finally {
      fx.emulator.quota.limit = 600
    }
  })

  it('makes UNAVAILABLE, INTERNAL and DEADLINE_EXCEEDED retryable; reads retry with rotor\'s helper, not the SDK\'s', async () => {
    await fx.client.writeVersion('err/unavailable', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    // AccessSecretVersion is the one RPC gax would retry on UNAVAILABLE by default: one call each.
    fx.emulator.faults.failNext('AccessSecretVersion', 'unavailable', 'internal', 'deadline-exceeded')
    const before = fx.emulator.calls.AccessSecretVersion ?? 0
    expect((await fx.client.readValue('err/unavailable', {role: 'current'})).reveal()).toBe('v0')
    expect(fx.emulator.calls.AccessSecretVersion - before).toBe(4)
    // Past the adapter's four attempts, the error reaches the engine as retryable.
    fx.emulator.faults.failNext('AccessSecretVersion', 'unavailable', 'internal', 'deadline-exceeded', 'unavailable')
    const error = await caught(fx.client.readValue('err/unavailable', {role: 'current'}))
    expect(error).toBeInstanceOf(UnavailableError)
    expect((error as UnavailableError).retryable).toBe(true)
    expect(fx.emulator.calls.AccessSecretVersion - before).toBe(8)
  })

  it('reports missing secrets and versions as NotFoundError, and refuses oversized values before any call', async () => {
    expect(await caught(fx.client.readValue('err/missing', {role: 'current'}))).toBeInstanceOf(NotFoundError)
    const v1 = (await fx.client.writeVersion('err/versions', value('v0'), {rotationId: 'rot-0', stage: 'current'})).id
    expect(await caught(fx.client.readValue('err/versions', {versionId: '42'}))).toBeInstanceOf(NotFoundError)
    expect(await caught(fx.client.readValue('err/versions', {versionId: 'latest'}))).toBeInstanceOf(NotFoundError)
    expect(await caught(fx.client.readValue('err/versions', {role: 'pending'}))).toBeInstanceOf(NotFoundError)
    expect(await caught(fx.client.retire('err/versions', '42', 'disable'))).toBeInstanceOf(NotFoundError)
    const adds = fx.emulator.calls.AddSecretVersion
    const big = await caught(fx.client.writeVersion('err/versions', value('x'.repeat(65_537)), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: v1}))
    expect(big).toBeInstanceOf(InvalidRequestError)
    expect(fx.emulator.calls.AddSecretVersion).toBe(adds)
  })

  it('reports an unreachable endpoint as retryable UnavailableError', async () => {
    const gone = await startGcpFixture()
    await gone.emulator.close()
    try {
      const error = await caught(gone.client.describe('err/unreachable'))
      expect(error).toBeInstanceOf(UnavailableError)
      expect((error as UnavailableError).retryable).toBe(true)
    } finally {
      await gone.client.close()
      await gone.raw.close()
    }
  })
})

describe('GCP store: doctor', () => {
  let fx: GcpFixture
  beforeAll(async () => {
    fx = await startGcpFixture()
  })
  afterAll(async () => fx.close())

  it('passes with every permission, and says a missing secret will be created', async () => {
    await fx.client.writeVersion('doc/ok', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    const checks = await fx.client.doctor(['doc/ok', 'doc/not-yet'])
    expect(checks.filter((c) => !c.ok)).toEqual([])
    expect(checks.map((c) => c.check)).toContain('secretmanager.versions.add on doc/ok')
    expect(checks.find((c) => c.check === 'secretmanager.secrets.get on doc/not-yet')?.detail).toMatch(/rotor will create it/)
    expect(fx.emulator.calls.TestIamPermissions).toBe(1)
  })

  it('names each missing permission, and a secret it does not own', async () => {
    await fx.raw.createSecret({parent: 'projects/rotor-test', secretId: 'doc__foreign', secret: {replication: {automatic: {}}}})
    fx.emulator.faults.deny('secretmanager.versions.add').deny('secretmanager.secrets.list')
    try {
      const checks = await fx.client.doctor(['doc/foreign'])
      const failedChecks = checks.filter((c) => !c.ok).map((c) => c.check)
      expect(failedChecks).toEqual(['secretmanager.secrets.list on projects/rotor-test', 'ownership of doc/foreign', 'secretmanager.versions.add on doc/foreign'])
      expect(checks.find((c) => c.check === 'secretmanager.versions.add on doc/foreign')?.hint).toContain('grant secretmanager.versions.add')
      expect(checks[0]).toMatchObject({ok: true})
    } finally {
      fx.emulator.faults.clear()
    }
  })

  it('fails the reachability check when nothing answers', async () => {
    const gone = await startGcpFixture()
    await gone.emulator.close()
    try {
      const checks = await gone.client.doctor(['doc/x'])
      expect(checks).toHaveLength(1)
      expect(checks[0]).toMatchObject({ok: false})
      expect(checks[0].check).toMatch(/^reach 127\.0\.0\.1:\d+ \(grpc\)/)
    } finally {
      await gone.client.close()
      await gone.raw.close()
    }
  })
})

describe('GCP store: settings and names', () => {
  it('validates settings: project, location default, insecure only with an endpoint', () => {
    expect(gcpFactory.settings.parse({project: 'my-project'})).toMatchObject({location: 'global', transport: 'grpc', aliasMode: 'staged', insecure: false})
    expect(gcpFactory.settings.safeParse({project: 'my-project', insecure: true}).success).toBe(false)
    expect(gcpFactory.settings.safeParse({project: 'My_Project'}).success).toBe(false)
    expect(gcpFactory.settings.safeParse({project: 'my-project', location: 'europe-west1'}).success).toBe(true)
    expect(gcpFactory.settings.safeParse({project: 'my-project', region: 'x'}).success).toBe(false)
  })

  it('writes `/` as `__` and refuses paths that would not read back', () => {
    expect(toSecretId('payments/api-key')).toBe('payments__api-key')
    expect(fromSecretId('payments__api-key')).toBe('payments/api-key')
    expect(gcpFactory.validatePaths!(['ok/path_1', 'a__b', 'a_/b', 'a.b', '/lead', 'x'.repeat(256)]).map((p) => p.path)).toEqual([
      'a__b',
      'a_/b',
      'a.b',
      '/lead',
      'x'.repeat(256),
    ])
  })

  it('puts regional secrets under their location, without a replication policy', async () => {
    const fx = await startGcpFixture({}, {location: 'europe-west1'})
    try {
      await fx.client.writeVersion('regional/a', value('v0'), {rotationId: 'rot-0', stage: 'current'})
      const [secret] = await fx.raw.getSecret({name: 'projects/rotor-test/locations/europe-west1/secrets/regional__a'})
      expect(secret.replication).toBeNull()
      expect(await fx.client.list('regional/')).toEqual(['regional/a'])
      expect((await fx.client.readValue('regional/a', {role: 'current'})).reveal()).toBe('v0')
    } finally {
      await fx.close()
    }
  })
})
