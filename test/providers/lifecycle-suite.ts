/**
 * The whole flow through rotor's engine (in process) with a cloud store next to the file store,
 * shared by the providers' lifecycle tests: apply creates, a forced rotation writes a new current
 * version on both, and once grace has passed the old version is retired. Each provider's test
 * starts its emulator, says how to reach it, and adds the checks that are its own.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AuditLog} from '../../src/audit/index.js'
import {parseConfig} from '../../src/config/index.js'
import type {RotorConfig} from '../../src/config/types.js'
import {StoreSet} from '../../src/engine/index.js'
import type {Plan} from '../../src/plan/types.js'
import {type ApplyResult, applyChanges, observeAndPlan} from '../../src/run/session.js'
import type {SecretSnapshot} from '../../providers/types.js'

export const T0 = new Date('2026-03-02T04:00:00Z')
/** An hour after T0: the forced rotation. */
export const ROTATED_AT = new Date('2026-03-02T05:00:00Z')
/** 25 hours after the rotation: the grace (24h) has passed. */
export const AFTER_GRACE = new Date('2026-03-03T06:00:00Z')
/** The path of the secret (`api-key`) on both stores. */
export const SECRET_PATH = 'app/api-key'

export interface LifecycleRun {
  result: ApplyResult
  cloud: SecretSnapshot
  local: SecretSnapshot
  /** The two stores' current values are the same. */
  inStep: boolean
}

export interface LifecycleRuns {
  created: LifecycleRun
  rotated: LifecycleRun
  retired: LifecycleRun
}

export interface CloudFixture<E> {
  emulator: E
  /** The `cloud` store's settings, `type` included, written as `key: value` lines. */
  store: Record<string, string | number | boolean>
  env: Record<string, string>
}

export interface LifecycleContext<E> {
  emulator: E
  /** Observes and plans at `at` through fresh stores, without applying. */
  plan(at: Date): Promise<Plan>
}

export interface LifecycleCase<E extends {close(): Promise<void>}> {
  /** The describe block's title. */
  title: string
  /** Names the temporary directory (`rotor-<name>-life-`). */
  name: string
  /** Starts the emulator; `now` is the time of the run in progress, for an emulator that stamps times. */
  start(context: {dir: string; now: () => Date}): Promise<CloudFixture<E>>
  /** More settings of the secret, written as `key: value` lines. */
  secret?: Record<string, string>
  /** Checks of this store's own, after the common ones of each step. */
  afterCreate?(context: LifecycleContext<E>, runs: Pick<LifecycleRuns, 'created'>): void | Promise<void>
  afterRotate?(context: LifecycleContext<E>, runs: Pick<LifecycleRuns, 'created' | 'rotated'>): void | Promise<void>
  afterRetire?(context: LifecycleContext<E>, runs: LifecycleRuns): void | Promise<void>
}

const lines = (settings: Record<string, unknown>) =>
  Object.entries(settings)
    .map(([key, value]) => `\n    ${key}: ${String(value)}`)
    .join('')

export function lifecycleSuite<E extends {close(): Promise<void>}>(test: LifecycleCase<E>): void {
  describe(test.title, () => {
    let dir: string
    let emulator: E
    let env: Record<string, string>
    let config: RotorConfig
    let clock = T0

    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), `rotor-${test.name}-life-`))
      const fixture = await test.start({dir, now: () => clock})
      emulator = fixture.emulator
      env = fixture.env
      const yaml = `
version: 1
audit:
  path: ${join(dir, 'audit.log')}
stores:
  local:
    type: file
    path: ${join(dir, 'secrets.enc')}
    keyFile: ${join(dir, 'file.key')}
  cloud:${lines(fixture.store)}
secrets:
  api-key:
    generator: {length: 32, alphabet: base62}
    maxAge: 30d
    grace: 24h
    retire: disable${lines(test.secret ?? {})}
    targets:
      - local:${SECRET_PATH}
      - cloud:${SECRET_PATH}
`
      config = parseConfig(yaml, join(dir, 'rotor.yaml'), env)
    })
    afterAll(async () => {
      await emulator?.close()
      await rm(dir, {recursive: true, force: true})
    })

    const storeSet = (now: () => Date) => new StoreSet(config, {baseDir: dir, env, now}, {hooks: {sleep: async () => {}}})

    async function run(at: Date, force = false): Promise<LifecycleRun> {
      clock = at
      const now = () => at
      const stores = storeSet(now)
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
        const current = async (client: typeof cloud) => (await client.readValue(SECRET_PATH, {role: 'current'})).reveal()
        const inStep = (await current(cloud)) === (await current(local))
        return {result, cloud: await cloud.describe(SECRET_PATH), local: await local.describe(SECRET_PATH), inStep}
      } finally {
        await stores.closeAll()
      }
    }

    async function plan(at: Date): Promise<Plan> {
      clock = at
      const stores = storeSet(() => at)
      try {
        return (await observeAndPlan(config, Object.values(config.secrets), stores, at)).plan
      } finally {
        await stores.closeAll()
      }
    }

    const roles = (snapshot: {versions: Array<{role: string}>}) => snapshot.versions.map((v) => v.role)

    it('creates, rotates and retires on both stores, keeping them in step', async () => {
      const context = {emulator, plan}
      const created = await run(T0)
      expect(created.result.report?.failedSecrets).toEqual([])
      expect(created.cloud).toMatchObject({exists: true, owned: true})
      expect(roles(created.cloud)).toEqual(['current'])
      expect(created.inStep).toBe(true)
      await test.afterCreate?.(context, {created})

      const rotated = await run(ROTATED_AT, true)
      expect(rotated.result.report?.failedSecrets).toEqual([])
      expect(rotated.result.report?.results.map((r) => r.outcome)).not.toContain('failed')
      expect(roles(rotated.cloud)).toEqual(['current', 'previous'])
      expect(roles(rotated.local)).toEqual(['current', 'previous'])
      expect(rotated.inStep).toBe(true)
      await test.afterRotate?.(context, {created, rotated})

      const retired = await run(AFTER_GRACE)
      expect(retired.result.report?.failedSecrets).toEqual([])
      expect(retired.result.plan.actions.map((a) => a.kind)).toContain('retire')
      expect(roles(retired.cloud)).toEqual(['current', 'retired'])
      expect(retired.cloud.versions[1]).toMatchObject({enabled: false})
      await test.afterRetire?.(context, {created, rotated, retired})
    })
  })
}
