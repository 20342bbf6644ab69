/**
 * The engine's whole flow on a Vault store, in process (the built-CLI e2e runs on the file
 * store): create, a manual rotation, grace, retirement, then nothing left to do.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AuditLog} from '../../../src/audit/index.js'
import {parseConfig} from '../../../src/config/index.js'
import type {RotorConfig} from '../../../src/config/types.js'
import {StoreSet} from '../../../src/engine/stores.js'
import {applyChanges, observeAndPlan} from '../../../src/run/session.js'
import {type Harness, harness} from './harness.js'

describe('rotor lifecycle on a Vault store (engine in process)', () => {
  let h: Harness
  let dir: string
  let config: RotorConfig
  let stores: StoreSet
  let audit: AuditLog

  beforeAll(async () => {
    h = await harness()
    dir = await mkdtemp(join(tmpdir(), 'rotor-vault-life-'))
    const env = {VAULT_TOKEN: h.emulator.rootToken}
    const yaml = `version: 1
audit:
  path: ${join(dir, 'audit.log')}
stores:
  vault:
    type: vault
    address: ${h.emulator.address}
    mount: secret
    pathPrefix: apps/prod
secrets:
  payments-api:
    generator: {length: 40, alphabet: base62}
    maxAge: 30d
    grace: 24h
    retire: disable
    targets:
      - vault:payments/api
`
    config = parseConfig(yaml, join(dir, 'rotor.yaml'), env)
    stores = new StoreSet(config, {baseDir: dir, env, now: h.clock.now}, {policy: {attempts: 3, baseMs: 1, capMs: 1}})
    audit = await AuditLog.open(config.audit.path, {now: h.clock.now})
  })
  afterAll(async () => {
    await stores?.closeAll()
    await h?.close()
    await rm(dir, {recursive: true, force: true})
  })

  const apply = (force = false) =>
    applyChanges({
      config,
      secrets: Object.values(config.secrets),
      stores,
      audit,
      now: h.clock.now,
      planOptions: force ? {force: new Map([['payments-api', {emergency: false}]])} : {},
    })
  const versions = async () => (await (await stores.get('vault')).describe('payments/api')).versions

  it('creates, rotates with grace, retires the old version, and then has nothing to do', async () => {
    const created = await apply()
    expect(created.report?.failedSecrets).toEqual([])
    expect(await versions()).toMatchObject([{id: '1', role: 'current', enabled: true}])
    expect((await h.raw('GET', 'secret/metadata/apps/prod/payments/api')).body.data.custom_metadata['managed-by']).toBe('rotor')

    h.clock.advance(3600)
    const rotated = await apply(true)
    expect(rotated.report?.failedSecrets).toEqual([])
    expect(await versions()).toMatchObject([
      {id: '2', role: 'current', enabled: true},
      {id: '1', role: 'previous', enabled: true},
    ])
    const sent = h.emulator.calls.filter((c) => c.method === 'POST' && c.path === 'secret/data/apps/prod/payments/api')
    expect(sent.map((c) => c.body.options)).toEqual([{cas: 0}, {cas: 1}])

    h.clock.advance(25 * 3600)
    const retired = await apply()
    expect(retired.report?.failedSecrets).toEqual([])
    expect(await versions()).toMatchObject([
      {id: '2', role: 'current', enabled: true},
      {id: '1', role: 'retired', enabled: false, destroyed: false},
    ])
    const {plan} = await observeAndPlan(config, Object.values(config.secrets), stores, h.clock.now())
    expect(plan.actions).toEqual([])
  })
})
