/**
 * The whole flow through rotor's engine (in process) with a GCP store next to the file store,
 * in both alias modes: apply creates, a forced rotation stages and promotes (or, at-promotion,
 * writes current), and once grace has passed the old version is retired by disabling it. The
 * GCP side goes through the real SDK over gRPC to the emulator.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AuditLog} from '../../../src/audit/index.js'
import {parseConfig} from '../../../src/config/index.js'
import type {RotorConfig} from '../../../src/config/types.js'
import {StoreSet} from '../../../src/engine/index.js'
import {applyChanges} from '../../../src/run/session.js'
import {type GcpEmulator, startGcpEmulator} from '../../emulators/gcp/server.js'

const T0 = new Date('2026-03-02T04:00:00Z')
const ROTATED_AT = new Date('2026-03-02T05:00:00Z')
const AFTER_GRACE = new Date('2026-03-03T06:00:00Z')

describe.each(['staged', 'at-promotion'] as const)('rotor lifecycle with a GCP store (aliasMode %s) next to the file store', (aliasMode) => {
  let dir: string
  let emulator: GcpEmulator
  let config: RotorConfig
  const env = {}

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-gcp-life-'))
    emulator = await startGcpEmulator()
    const yaml = `
version: 1
audit:
  path: ${join(dir, 'audit.log')}
stores:
  local:
    type: file
    path: ${join(dir, 'secrets.enc')}
    keyFile: ${join(dir, 'file.key')}
  cloud:
    type: gcp
    project: rotor-test
    endpoint: ${emulator.endpoint}:${emulator.port}
    insecure: true
    aliasMode: ${aliasMode}
secrets:
  api-key:
    generator: {length: 32, alphabet: base62}
    maxAge: 30d
    grace: 24h
    retire: disable
    labels: {Team: Payments}
    targets:
      - local:app/api-key
      - cloud:app/api-key
`
    config = parseConfig(yaml, join(dir, 'rotor.yaml'), env)
  })
  afterAll(async () => {
    await emulator.close()
    await rm(dir, {recursive: true, force: true})
  })

  async function run(at: Date, force = false) {
    const now = () => at
    const stores = new StoreSet(config, {baseDir: dir, env, now}, {hooks: {sleep: async () => {}}})
    const audit = await AuditLog.open(config.audit.path, {now})
    try {
      const result = await applyChanges({
        config,
        secrets: Object.values(config.secrets),
        stores,
        audit,
        now,
        ...(force ? {planOptions: {force: new Map([['api-key', {emergency: false, reason: 'test'}]])}} : {}),
      })
      const cloud = await stores.get('cloud')
      const local = await stores.get('local')
      const current = async (client: typeof cloud) => (await client.readValue('app/api-key', {role: 'current'})).reveal()
      const inStep = (await current(cloud)) === (await current(local))
      return {result, cloud: await cloud.describe('app/api-key'), local: await local.describe('app/api-key'), inStep}
    } finally {
      await stores.closeAll()
    }
  }

  const roles = (snapshot: {versions: Array<{role: string}>}) => snapshot.versions.map((v) => v.role)

  it('creates, rotates and retires on both stores, keeping them in step', async () => {
    const created = await run(T0)
    expect(created.result.report?.failedSecrets).toEqual([])
    expect(created.cloud).toMatchObject({exists: true, owned: true})
    expect(created.cloud.labels).toMatchObject({'managed-by': 'rotor', team: 'payments'})
    expect(roles(created.cloud)).toEqual(['current'])
    expect(created.inStep).toBe(true)

    const rotated = await run(ROTATED_AT, true)
    expect(rotated.result.report?.failedSecrets).toEqual([])
    expect(rotated.result.report?.results.map((r) => r.outcome)).not.toContain('failed')
    expect(roles(rotated.cloud)).toEqual(['current', 'previous'])
    expect(roles(rotated.local)).toEqual(['current', 'previous'])
    expect(rotated.cloud.meta.promotedAt).toBeDefined()
    expect(rotated.inStep).toBe(true)
    expect(emulator.calls.AddSecretVersion).toBe(2)

    const later = await run(AFTER_GRACE)
    expect(later.result.report?.failedSecrets).toEqual([])
    expect(later.result.plan.actions.map((a) => a.kind)).toContain('retire')
    expect(roles(later.cloud)).toEqual(['current', 'retired'])
    expect(later.cloud.versions[1]).toMatchObject({enabled: false})
    expect(emulator.calls.DisableSecretVersion).toBeGreaterThan(0)
  })
})
