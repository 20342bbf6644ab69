/**
 * Bulk inventory on GCP: ListSecrets pages (1,000 whole Secret resources a request: labels,
 * annotations, version aliases) instead of one GetSecret per secret; versions from one
 * ListSecretVersions per secret. Call counts come from the emulator.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {describePaths} from '../../../providers/describe-many.js'
import {nameFilter} from '../../../providers/gcp/bulk.js'
import {type SecretSnapshot, SecretValue} from '../../../providers/types.js'
import {type GcpFixture, startGcpFixture} from '../../emulators/gcp/fixture.js'

const SECRETS = 120
const paths = Array.from({length: SECRETS}, (_, i) => `bulk/s${String(i).padStart(3, '0')}`)

describe('GCP bulk describe (ListSecrets pages)', () => {
  let fx: GcpFixture

  async function counted<T>(run: () => Promise<T>): Promise<{result: T; calls: Record<string, number>}> {
    const before = {...fx.emulator.calls}
    const result = await run()
    const calls: Record<string, number> = {}
    for (const [op, n] of Object.entries(fx.emulator.calls)) if (n - (before[op] ?? 0) > 0) calls[op] = n - (before[op] ?? 0)
    return {result, calls}
  }

  const describeEach = async (list: string[]) => Promise.all(list.map((p) => fx.client.describe(p)))

  beforeAll(async () => {
    fx = await startGcpFixture({writeQuotaPerMinute: 1e9})
    for (const path of paths) await fx.client.writeVersion(path, new SecretValue(`${path}-v0`), {rotationId: `r0-${path.slice(-3)}`, stage: 'current'})
    for (const path of paths.slice(0, 5)) {
      const current = (await fx.client.describe(path)).versions[0]
      const staged = await fx.client.writeVersion(path, new SecretValue('v1'), {rotationId: `r1-${path.slice(-3)}`, stage: 'pending', expectedCurrent: current.id})
      await fx.client.promote(path, {rotationId: `r1-${path.slice(-3)}`, versionId: staged.id, expectedCurrent: current.id})
    }
    for (let i = 0; i < 20; i++) await fx.client.writeVersion(`other/o${i}`, new SecretValue('o'), {rotationId: `o-${i}`, stage: 'current'})
  }, 120_000)
  afterAll(async () => fx?.close())

  it('describes 120 secrets with one ListSecrets call and one ListSecretVersions each, no GetSecret', async () => {
    const {result, calls} = await counted(() => describePaths(fx.client, paths))
    expect(calls).toEqual({ListSecrets: 1, ListSecretVersions: SECRETS})
    expect([...result.keys()]).toEqual(paths)
    expect([...result.values()]).toEqual(await describeEach(paths))
    expect((result.get(paths[0]) as SecretSnapshot).versions.map((v) => v.role)).toEqual(['current', 'previous'])
  })

  // Each path's versions are read while the listing pages, so a path the listing lacks already has
  // its answer: ListSecretVersions says NOT_FOUND. One call for it, as GetSecret was before.
  it('describes a path the listing does not have from its own version read', async () => {
    const {result, calls} = await counted(() => describePaths(fx.client, [...paths.slice(0, 10), 'bulk/missing']))
    expect(calls).toEqual({ListSecrets: 1, ListSecretVersions: 11})
    expect(result.get('bulk/missing')).toEqual(await fx.client.describe('bulk/missing'))
    expect((result.get('bulk/missing') as SecretSnapshot).exists).toBe(false)
  })

  it('reads versions without waiting for the listing page, with the same answers and calls', async () => {
    // The listing is slow to answer; the per-secret reads must not queue behind it.
    let versionReadsBeforeListing: number | undefined
    fx.emulator.faults.set('ListSecrets', {latencyMs: 1500})
    const before = fx.emulator.beforeOperation
    const start = fx.emulator.calls.ListSecretVersions ?? 0
    fx.emulator.beforeOperation = (operation, request) => {
      if (operation === 'ListSecrets') versionReadsBeforeListing = (fx.emulator.calls.ListSecretVersions ?? 0) - start
      before?.(operation, request)
    }
    try {
      const {result, calls} = await counted(() => describePaths(fx.client, paths.slice(0, 40)))
      expect(calls).toEqual({ListSecrets: 1, ListSecretVersions: 40})
      expect(versionReadsBeforeListing).toBeGreaterThan(0)
      expect([...result.values()]).toEqual(await describeEach(paths.slice(0, 40)))
    } finally {
      fx.emulator.faults.set('ListSecrets', {})
      fx.emulator.beforeOperation = before
    }
  })

  it('describes a secret the listing lacks from GetSecret and its version read', async () => {
    const late = 'bulk/late'
    await fx.client.writeVersion(late, new SecretValue('late'), {rotationId: 'late-1', stage: 'current'})
    fx.emulator.faults.deny('secretmanager.secrets.list')
    try {
      const {result, calls} = await counted(() => describePaths(fx.client, [paths[0], late]))
      expect(calls).toEqual({ListSecrets: 1, ListSecretVersions: 2, GetSecret: 2})
      expect(result.get(late)).toEqual(await fx.client.describe(late))
      expect((result.get(late) as SecretSnapshot).exists).toBe(true)
    } finally {
      fx.emulator.faults.allow('secretmanager.secrets.list')
    }
  })

  it('falls back to one GetSecret a secret when listing is denied', async () => {
    fx.emulator.faults.deny('secretmanager.secrets.list')
    try {
      const {result, calls} = await counted(() => describePaths(fx.client, paths.slice(0, 8)))
      expect(calls.GetSecret).toBe(8)
      expect(calls.ListSecretVersions).toBe(8)
      expect([...result.values()]).toEqual(await describeEach(paths.slice(0, 8)))
    } finally {
      fx.emulator.faults.allow('secretmanager.secrets.list')
    }
  })
})

describe('GCP listing filter', () => {
  it('narrows by the secret ids\' shared prefix, or not at all', () => {
    expect(nameFilter(['app/db-1', 'app/db-2'])).toBe('name:app__db-')
    expect(nameFilter(['alpha', 'beta'])).toBe('')
  })
})
