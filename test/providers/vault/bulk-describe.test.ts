/**
 * Bulk inventory on Vault KV v2: one metadata read a secret and nothing else. LIST answers key
 * names only; versions, their states and rotor's custom metadata are in each secret's metadata,
 * so the store does not advertise bulkDescribe (docs/decisions.md, "Bulk inventory: the minimum
 * calls"). Call counts come from the emulator.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {describePaths} from '../../../providers/describe-many.js'
import {describesInBulk, SecretValue} from '../../../providers/types.js'
import type {VaultStoreClient} from '../../../providers/vault/client.js'
import {type Harness, harness} from './harness.js'

const SECRETS = 30
const paths = Array.from({length: SECRETS}, (_, i) => `bulk/s${String(i).padStart(2, '0')}`)

describe('Vault inventory of many secrets', () => {
  let h: Harness
  let client: VaultStoreClient

  beforeAll(async () => {
    h = await harness()
    client = await h.open()
    for (const path of paths) await client.writeVersion(path, new SecretValue(`${path}-v0`), {rotationId: `r0-${path.slice(-2)}`, stage: 'current'})
  }, 120_000)
  afterAll(async () => {
    await client?.close()
    await h?.close()
  })

  it('reads each secret with exactly one metadata GET', async () => {
    expect(describesInBulk(client)).toBe(false)
    const before = h.emulator.calls.length
    const result = await describePaths(client, paths)
    const made = h.emulator.calls.slice(before).map((c) => `${c.method} ${c.path.replace(/^\/?(v1\/)?/, '')}`)
    expect(made.sort()).toEqual(paths.map((p) => `GET secret/metadata/${p}`).sort())
    expect([...result.keys()]).toEqual(paths)
    for (const snapshot of result.values()) {
      if (snapshot instanceof Error) throw snapshot
      expect(snapshot.versions.map((v) => v.role)).toEqual(['current'])
    }
  })
})
