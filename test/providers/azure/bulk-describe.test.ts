/**
 * Bulk inventory on Azure: one GetSecretVersions a secret and nothing else. Key Vault's secret
 * listing (GetSecrets) shows only each secret's latest version, while roles come from the order
 * and state of every version (previous, strays), so a listing cannot stand in for the per-secret
 * read: the store does not advertise bulkDescribe (docs/decisions.md, "Bulk inventory: the
 * minimum calls"). Call counts come from the emulator.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {describePaths} from '../../../providers/describe-many.js'
import {describesInBulk, SecretValue} from '../../../providers/types.js'
import {UNUSED_AZURE_POLICIES} from '../../../providers/azure/client.js'
import {type AzureFixture, startAzureFixture} from '../../emulators/azure/fixture.js'

const SECRETS = 30
const paths = Array.from({length: SECRETS}, (_, i) => `bulk/s${String(i).padStart(2, '0')}`)

describe('Azure inventory of many secrets', () => {
  let fx: AzureFixture

  beforeAll(async () => {
    fx = await startAzureFixture()
    for (const path of paths) await fx.client.writeVersion(path, new SecretValue(`${path}-v0`), {rotationId: `r0-${path.slice(-2)}`, stage: 'current'})
    // Two with a previous version, so the snapshots hold more than one role.
    for (const path of paths.slice(0, 2)) {
      const current = (await fx.client.describe(path)).versions[0]
      await fx.client.writeVersion(path, new SecretValue(`${path}-v1`), {rotationId: `r1-${path.slice(-2)}`, stage: 'current', expectedCurrent: current.id})
    }
  }, 120_000)
  afterAll(async () => fx?.close())

  it('reads each secret with exactly one GetSecretVersions, and no listing', async () => {
    expect(describesInBulk(fx.client)).toBe(false)
    const before = {...fx.emulator.calls}
    const result = await describePaths(fx.client, paths)
    const calls = Object.fromEntries(Object.entries(fx.emulator.calls).flatMap(([op, n]) => (n - (before[op] ?? 0) > 0 ? [[op, n - (before[op] ?? 0)]] : [])))
    expect(calls).toEqual({GetSecretVersions: SECRETS})
    expect([...result.keys()]).toEqual(paths)
    const first = result.get(paths[0])!
    if (first instanceof Error) throw first
    expect(first.versions.map((v) => v.role)).toEqual(['current', 'previous'])
  })

  it('runs the SDK pipeline without the policies that do nothing for rotor (each cost CPU on every call)', async () => {
    const pipeline = (fx.client.sdk as unknown as {client: {pipeline: {getOrderedPolicies(): Array<{name: string}>}}}).client.pipeline
    const names = pipeline.getOrderedPolicies().map((p) => p.name)
    for (const name of UNUSED_AZURE_POLICIES) expect(names).not.toContain(name)
    // What the requests need stays.
    expect(names).toEqual(expect.arrayContaining(['keyVaultAuthenticationPolicy', 'ClientApiVersionPolicy', 'userAgentPolicy', 'redirectPolicy', 'proxyPolicy']))
    const snapshot = await fx.client.describe(paths[1])
    expect(snapshot.versions.map((v) => v.role)).toEqual(['current', 'previous'])
  })
})
