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

  it('describes a path the listing does not have with GetSecret', async () => {
    const {result, calls} = await counted(() => describePaths(fx.client, [...paths.slice(0, 10), 'bulk/missing']))
    expect(calls).toEqual({ListSecrets: 1, ListSecretVersions: 10, GetSecret: 1})
    expect((result.get('bulk/missing') as SecretSnapshot).exists).toBe(false)
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
