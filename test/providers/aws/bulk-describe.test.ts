/**
 * Bulk inventory on AWS: ListSecrets pages (100 secrets a request, with tags and labels) instead
 * of one DescribeSecret per secret, versions from one ListSecretVersionIds per secret (a listing
 * has no creation dates and no unlabelled versions). Call counts come from the emulator.
 */
import {DeleteSecretCommand, ListSecretVersionIdsCommand, RestoreSecretCommand} from '@aws-sdk/client-secrets-manager'
import {afterAll, beforeAll, describe, expect, it, vi} from 'vitest'
import {describePaths} from '../../../providers/describe-many.js'
import {withLimits} from '../../../providers/limits.js'
import {withRetries} from '../../../providers/retrying.js'
import {awsRuntime} from '../../../providers/aws/runtime.js'
import {namePrefixes} from '../../../providers/aws/batch.js'
import {type SecretSnapshot, SecretValue, type StoreClient} from '../../../providers/types.js'
import {readInventory} from '../../../src/engine/inventory.js'
import {StoreSet} from '../../../src/engine/stores.js'
import {InterruptedError} from '../../../src/errors/index.js'
import type {RotorConfig, SecretConfig} from '../../../src/config/types.js'
import {type AwsFixture, startAwsFixture, TEST_CREDENTIALS} from '../../emulators/aws/fixture.js'

const SECRETS = 250
const paths = Array.from({length: SECRETS}, (_, i) => `bulk/s${String(i).padStart(3, '0')}`)

describe('AWS bulk describe (ListSecrets pages)', () => {
  let fx: AwsFixture
  let client: StoreClient

  /** Calls per operation made while `run` ran. */
  async function counted<T>(run: () => Promise<T>): Promise<{result: T; calls: Record<string, number>}> {
    const before = {...fx.emulator.calls}
    const result = await run()
    const calls: Record<string, number> = {}
    for (const [op, n] of Object.entries(fx.emulator.calls)) if (n - (before[op] ?? 0) > 0) calls[op] = n - (before[op] ?? 0)
    return {result, calls}
  }

  async function rotate(path: string, rotationId: string): Promise<void> {
    const current = (await client.describe(path)).versions.find((v) => v.role === 'current')!
    const staged = await client.writeVersion(path, new SecretValue(`${rotationId}-value`), {rotationId, stage: 'pending', expectedCurrent: current.id})
    await client.promote(path, {rotationId, versionId: staged.id, expectedCurrent: current.id})
  }

  const describeEach = async (list: string[]) => Promise.all(list.map((p) => client.describe(p)))

  beforeAll(async () => {
    fx = await startAwsFixture()
    client = fx.client
    for (const path of paths) await client.writeVersion(path, new SecretValue(`${path}-v0`), {rotationId: `r0-${path.slice(-3)}`, stage: 'current'})
    // Some with a previous version, some with an unlabelled (deprecated) one, one with a pending.
    for (const path of paths.slice(0, 10)) await rotate(path, `r1-${path.slice(-3)}`)
    for (const path of paths.slice(0, 3)) await rotate(path, `r2-${path.slice(-3)}`)
    const p = paths[20]
    const current = (await client.describe(p)).versions[0]
    await client.writeVersion(p, new SecretValue('staged'), {rotationId: 'staged-20', stage: 'pending', expectedCurrent: current.id})
    await client.setMeta(paths[21], {promotedAt: '2026-01-02T03:04:05.000Z', promotedVersion: 'x'})
    // Secrets outside the prefix the listing is filtered by.
    for (let i = 0; i < 30; i++) await client.writeVersion(`other/o${i}`, new SecretValue('o'), {rotationId: `o-${i}`, stage: 'current'})
  }, 120_000)
  afterAll(async () => fx?.close())

  it('describes 250 secrets with 3 ListSecrets calls and one ListSecretVersionIds each, no DescribeSecret', async () => {
    const {result, calls} = await counted(() => describePaths(client, paths))
    expect(calls).toEqual({ListSecrets: 3, ListSecretVersionIds: SECRETS})
    expect([...result.keys()]).toEqual(paths)
    // Exactly what one describe each says: creation dates, unlabelled versions, pending, tags.
    expect([...result.values()]).toEqual(await describeEach(paths))
    const deprecated = (result.get(paths[0]) as SecretSnapshot).versions.filter((v) => v.role === 'retired')
    expect(deprecated).toHaveLength(1)
    expect((result.get(paths[20]) as SecretSnapshot).versions[0].role).toBe('pending')
  })

  it('describes paths the listing does not have one by one (missing, or too new to be listed)', async () => {
    const missing = ['bulk/missing-1', 'bulk/missing-2']
    const {result, calls} = await counted(() => describePaths(client, [...paths.slice(0, 50), ...missing]))
    expect(calls).toEqual({ListSecrets: 3, ListSecretVersionIds: 50, DescribeSecret: 2})
    for (const m of missing) expect(result.get(m)).toEqual({path: m, exists: false, owned: false, versions: [], meta: {}, labels: {}})
  })

  it('re-reads a secret whose listing entry is stale (ListSecrets lags behind changes)', async () => {
    fx.emulator.freezeListing()
    try {
      await rotate(paths[5], 'r9-005')
      await client.setMeta(paths[5], {graceEndsAt: '2030-01-01T00:00:00.000Z'})
      await client.writeVersion('bulk/s999-new', new SecretValue('new'), {rotationId: 'new-1', stage: 'current'})
      const wanted = [paths[4], paths[5], paths[6], 'bulk/s999-new']
      const {result, calls} = await counted(() => describePaths(client, wanted))
      // s005: its listed labels differ from its fresh versions, so it is described again; the new
      // secret is not listed yet.
      expect(calls).toEqual({ListSecrets: 3, ListSecretVersionIds: 5, DescribeSecret: 2})
      expect([...result.values()]).toEqual(await describeEach(wanted))
      expect((result.get(paths[5]) as SecretSnapshot).meta.graceEndsAt).toBe('2030-01-01T00:00:00.000Z')
    } finally {
      fx.emulator.thawListing()
    }
  })

  it('reports a secret scheduled for deletion from DescribeSecret', async () => {
    await fx.raw.send(new DeleteSecretCommand({SecretId: paths[7], RecoveryWindowInDays: 7}))
    try {
      const {result, calls} = await counted(() => describePaths(client, paths.slice(0, 10)))
      // The listing is filtered by the paths' shared prefix (bulk/s00): one page. A secret
      // scheduled for deletion is not listed, so DescribeSecret reads it (and its deletion date).
      expect(calls).toEqual({ListSecrets: 1, ListSecretVersionIds: 10, DescribeSecret: 1})
      expect((result.get(paths[7]) as SecretSnapshot).meta.scheduledForDeletion).toMatch(/^\d{4}-/)
      expect([...result.values()]).toEqual(await describeEach(paths.slice(0, 10)))
    } finally {
      await fx.raw.send(new RestoreSecretCommand({SecretId: paths[7]}))
    }
  })

  it('falls back to one DescribeSecret a secret when ListSecrets is denied', async () => {
    fx.emulator.faults.deny('ListSecrets')
    try {
      const {result, calls} = await counted(() => describePaths(client, paths.slice(0, 20)))
      expect(calls).toEqual({ListSecrets: 1, DescribeSecret: 20, ListSecretVersionIds: 20})
      expect([...result.values()]).toEqual(await describeEach(paths.slice(0, 20)))
    } finally {
      fx.emulator.faults.allow('ListSecrets')
    }
  })

  it('resolves the SDK middleware stack once per command type, not once per request', async () => {
    // Resolving the stack was about a tenth of the CPU each of the 5,000 requests of
    // `plan` over 5,000 secrets cost (bench/aws-plan.js); the client caches it (cacheMiddleware).
    const resolves = vi.spyOn(ListSecretVersionIdsCommand.prototype, 'resolveMiddleware')
    try {
      const {calls} = await counted(() => describePaths(client, paths.slice(0, 40)))
      expect(calls.ListSecretVersionIds).toBe(40)
      expect(resolves.mock.calls.length).toBeLessThanOrEqual(1)
    } finally {
      resolves.mockRestore()
    }
  })

  it('gives each path its own error, and the others their snapshots', async () => {
    fx.emulator.faults.deny('ListSecretVersionIds')
    try {
      const result = await describePaths(client, paths.slice(0, 3))
      for (const p of paths.slice(0, 3)) expect(result.get(p)).toBeInstanceOf(Error)
    } finally {
      fx.emulator.faults.allow('ListSecretVersionIds')
    }
  })

  it('retries and paces each request of a bulk describe on its own inside a run (inventory through the store decorators)', async () => {
    const quotas = typeof awsRuntime.quotas === 'function' ? undefined : awsRuntime.quotas
    const wrapped = withRetries(withLimits(client, quotas!), {attempts: 3, baseMs: 1, capMs: 5})
    const stores = {get: async () => wrapped} as unknown as StoreSet
    const secrets = paths.map((p) => ({name: p, targets: [{store: 'aws', path: p}]})) as unknown as SecretConfig[]
    fx.emulator.faults.failNext('ListSecrets', 'throttle')
    fx.emulator.faults.failNext('ListSecretVersionIds', 'throttle')
    const {result, calls} = await counted(() => readInventory(secrets, stores))
    // One page and one version listing repeated, not the whole describe.
    expect(calls).toEqual({ListSecrets: 4, ListSecretVersionIds: SECRETS + 1})
    const snapshots = paths.map((p) => result.get(p)![0].snapshot)
    expect(snapshots).toEqual(await describeEach(paths))
  })

  it('stops a bulk describe already running once the run is interrupted: no request starts after the abort', async () => {
    const config = {stores: {aws: {name: 'aws', type: 'aws', settings: {region: fx.emulator.region, endpoint: fx.emulator.endpoint}}}, secrets: []} as unknown as RotorConfig
    const env = {AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey}
    const controller = new AbortController()
    const stores = new StoreSet(config, {baseDir: process.cwd(), env, now: () => new Date()}, undefined, controller.signal)
    const secrets = paths.map((p) => ({name: p, targets: [{store: 'aws', path: p}]})) as unknown as SecretConfig[]
    let versionReads = 0
    fx.emulator.beforeOperation = (operation) => {
      if (operation === 'ListSecretVersionIds' && ++versionReads === 20) controller.abort(new InterruptedError('SIGINT'))
    }
    // The most requests in flight when the abort came (rotor's AWS pacing): they may finish, and no other starts.
    const inFlight = (awsRuntime.quotas as {concurrency: number}).concurrency
    try {
      const {result, calls} = await counted(() => readInventory(secrets, stores))
      expect(calls.ListSecretVersionIds).toBeGreaterThanOrEqual(20)
      expect(calls.ListSecretVersionIds).toBeLessThanOrEqual(20 + inFlight)
      expect(calls.DescribeSecret).toBeUndefined()
      const observations = paths.map((p) => result.get(p)![0])
      const read = observations.filter((o) => o.snapshot)
      const stopped = observations.filter((o) => o.error?.code === 'INTERRUPTED')
      expect(read.length).toBeLessThanOrEqual(20 + inFlight)
      expect(read.length + stopped.length).toBe(SECRETS)
      expect(stopped[0].error!.message).toBe('interrupted by SIGINT')
    } finally {
      fx.emulator.beforeOperation = undefined
      await stores.closeAll()
    }
  })
})

describe('AWS listing filter (name prefixes)', () => {
  it('uses one prefix per top-level folder, up to ten, else the shared prefix, else none', () => {
    expect(namePrefixes(['app/db-1', 'app/db-2', 'billing/key'])).toEqual(['app/db-', 'billing/key'])
    expect(namePrefixes(['fleet-s0001', 'fleet-s0002'])).toEqual(['fleet-s000'])
    const many = Array.from({length: 11}, (_, i) => `team/t${i}/key`).map((p, i) => p.replace('team/', `team${i}/`))
    expect(namePrefixes(many)).toEqual(['team'])
    expect(namePrefixes(['alpha', 'beta'])).toBeUndefined()
  })
})
