/**
 * Issue 17: a `pending` alias on the current version (GCP promotes with one etag-checked patch,
 * so only a hand edit or another tool leaves it) is reported as a leftover, and promoting the
 * current version again, as the planner's clean-up action does, removes it.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {SecretValue} from '../../../providers/types.js'
import {type GcpFixture, startGcpFixture} from '../../emulators/gcp/fixture.js'

describe('GCP store: pending alias left on the current version', () => {
  let fx: GcpFixture
  beforeAll(async () => {
    fx = await startGcpFixture()
  })
  afterAll(async () => fx.close())

  const aliases = async (path: string) => (await fx.raw.getSecret({name: fx.secretName(path)}))[0].versionAliases

  it('is a leftover until a clean-up promote drops it', async () => {
    const path = 'stray/pending'
    const v1 = (await fx.client.writeVersion(path, new SecretValue('v0'), {rotationId: 'rot-0', stage: 'current'})).id
    expect((await fx.client.describe(path)).leftovers).toBeUndefined()
    await fx.raw.updateSecret({secret: {name: fx.secretName(path), versionAliases: {current: Number(v1), pending: Number(v1)}}, updateMask: {paths: ['version_aliases']}})

    const seen = await fx.client.describe(path)
    expect(seen.leftovers).toEqual([{versionId: v1, detail: expect.stringContaining('alias pending still on the current version')}])
    expect(seen.versions.find((v) => v.id === v1)?.role).toBe('current')

    await fx.client.promote(path, {rotationId: 'rot-0', versionId: v1, expectedCurrent: v1})
    expect(await aliases(path)).toEqual({current: String(v1)})
    expect((await fx.client.describe(path)).leftovers).toBeUndefined()
  })
})
