/**
 * The whole flow through rotor's engine (in process) with an Azure store next to the file store:
 * apply creates, a forced rotation writes a new current version on both, the grace end becomes
 * the previous version's expiry, and once grace has passed the old version is disabled. The
 * Azure side goes through the real SDK, TLS and the challenge to the emulator.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AuditLog} from '../../../src/audit/index.js'
import {parseConfig} from '../../../src/config/index.js'
import type {RotorConfig} from '../../../src/config/types.js'
import {StoreSet} from '../../../src/engine/index.js'
import {applyChanges} from '../../../src/run/session.js'
import {TOKEN_ENV} from '../../../providers/azure/credential.js'
import {secretNameFor} from '../../../providers/azure/naming.js'
import {type AzureEmulator, EMULATOR_TOKEN, startAzureEmulator} from '../../emulators/azure/server.js'

const T0 = new Date('2026-03-02T04:00:00Z')
const ROTATED_AT = new Date('2026-03-02T05:00:00Z')
const AFTER_GRACE = new Date('2026-03-03T06:00:00Z')

describe('rotor lifecycle with an Azure store next to the file store', () => {
  let dir: string
  let emulator: AzureEmulator
  let config: RotorConfig
  const env = {[TOKEN_ENV]: EMULATOR_TOKEN}

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-azure-life-'))
    emulator = await startAzureEmulator()
    await writeFile(join(dir, 'vault-ca.pem'), emulator.ca)
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
    type: azure
    vaultUrl: ${emulator.vaultUrl}
    caFile: vault-ca.pem
    disableChallengeResourceVerification: true
secrets:
  api-key:
    generator: {length: 32, alphabet: base62}
    maxAge: 30d
    grace: 24h
    retire: disable
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
  const stored = (versionId: string) => emulator.state.find(secretNameFor('app/api-key'), versionId).version

  it('creates, rotates and retires on both stores, keeping them in step', async () => {
    const created = await run(T0)
    expect(created.result.report?.failedSecrets).toEqual([])
    expect(created.cloud).toMatchObject({exists: true, owned: true})
    expect(roles(created.cloud)).toEqual(['current'])
    expect(created.inStep).toBe(true)

    const rotated = await run(ROTATED_AT, true)
    expect(rotated.result.report?.failedSecrets).toEqual([])
    expect(rotated.result.report?.results.map((r) => r.outcome)).not.toContain('failed')
    expect(roles(rotated.cloud)).toEqual(['current', 'previous'])
    expect(roles(rotated.local)).toEqual(['current', 'previous'])
    expect(rotated.inStep).toBe(true)
    const oldId = created.cloud.versions[0]!.id
    expect(rotated.cloud.versions[1]!.id).toBe(oldId)
    expect(rotated.cloud.meta.graceEndsAt).toBe('2026-03-03T05:00:00.000Z')
    // The grace window is visible on the old version itself.
    expect(stored(oldId).exp).toBe(Date.parse('2026-03-03T05:00:00.000Z') / 1000)

    const later = await run(AFTER_GRACE)
    expect(later.result.report?.failedSecrets).toEqual([])
    expect(later.result.plan.actions.map((a) => a.kind)).toContain('retire')
    expect(roles(later.cloud)).toEqual(['current', 'retired'])
    expect(later.cloud.versions[1]).toMatchObject({id: oldId, enabled: false})
    expect(stored(oldId).enabled).toBe(false)
    expect(later.inStep).toBe(true)
  })
})
