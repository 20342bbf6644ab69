/**
 * In-process engine runs on shared memory stores, with a crash switch: after the Nth
 * store-changing call every further store call and audit append of that run fails, as if the
 * process had died there. Far faster than the CLI fault matrix (test/fault), so it can afford
 * the emergency path and the rollback path at every N.
 */
import {MemoryStoreClient} from '../../../providers/memory/client.js'
import {memoryCapabilities} from '../../../providers/memory/factory.js'
import {SecretValue, type StoreClient} from '../../../providers/types.js'
import type {AuditInput} from '../../../src/audit/index.js'
import type {RotorConfig, SecretConfig} from '../../../src/config/types.js'
import {execute, type RunReport} from '../../../src/engine/execute.js'
import {readInventory} from '../../../src/engine/inventory.js'
import {clearStaleLeases, type LeaseSettings} from '../../../src/engine/lease.js'
import type {StoreSet} from '../../../src/engine/stores.js'
import {plan} from '../../../src/plan/planner.js'
import type {Plan, PlanOptions} from '../../../src/plan/types.js'
import type {Verifier} from '../../../src/verify/index.js'
import {DAY, secret as secretConfig} from '../plan/fixtures.js'

export {DAY}

export class Crash extends Error {}

/** Three targets: two that can stage, one (`flat`) that cannot, like Vault or Azure. */
export const TARGETS = [
  {store: 'one', path: 'api'},
  {store: 'flat', path: 'api'},
  {store: 'two', path: 'api'},
]

export function makeStores(now: () => Date): Record<string, MemoryStoreClient> {
  const flat = new MemoryStoreClient('flat', now)
  Object.defineProperty(flat, 'capabilities', {value: {...memoryCapabilities, pendingStage: false}})
  return {one: new MemoryStoreClient('one', now), flat, two: new MemoryStoreClient('two', now)}
}

export function makeConfig(overrides: Partial<SecretConfig> = {}): RotorConfig {
  const s = secretConfig({maxAgeMs: 30 * DAY, graceMs: DAY, targets: TARGETS, ...overrides})
  return {
    file: '/x/rotor.yaml',
    baseDir: '/x',
    version: 1,
    audit: {path: '/x/.rotor/audit.log'},
    stores: Object.fromEntries(TARGETS.map((t) => [t.store, {name: t.store, type: 'memory', settings: {}}])),
    secrets: [s],
  }
}

export interface RunOptions {
  at: Date
  planOptions?: PlanOptions
  /** Die right after this store-changing call. */
  crashAt?: number
  runId?: string
  lease?: Partial<LeaseSettings>
  verify?: Verifier
  /** Hide these methods from the clients (e.g. `reinstate`, as on AWS). */
  hide?: string[]
}

export interface RunResult {
  plan: Plan
  report?: RunReport
  crashed: boolean
  checkpoints: string[]
  audit: AuditInput[]
}

export async function run(config: RotorConfig, stores: Record<string, StoreClient>, options: RunOptions): Promise<RunResult> {
  let dead = false
  const checkpoints: string[] = []
  const audit: AuditInput[] = []
  const guard = (client: StoreClient): StoreClient =>
    new Proxy(client, {
      get(target, property, receiver) {
        if (options.hide?.includes(String(property))) return undefined
        const value = Reflect.get(target, property, receiver)
        if (typeof value !== 'function') return value
        return async (...args: unknown[]) => {
          if (dead) throw new Crash('process is dead')
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
  const set = {get: async (name: string) => guard(stores[name])} as unknown as StoreSet
  const inventory = await readInventory(config.secrets, set)
  const planned = plan(config, inventory, options.at, options.planOptions)
  const auditLog = {
    runId: options.runId ?? `run-${Math.random().toString(16).slice(2)}`,
    append: async (entry: AuditInput) => {
      if (dead) throw new Crash('process is dead')
      audit.push(entry)
      return undefined as never
    },
  }
  // As src/run/session.ts does: leases of crashed runs on secrets with nothing to do are cleared.
  await clearStaleLeases(inventory, new Set(planned.actions.map((a) => a.secret)), set, auditLog, {...options.lease})
  if (planned.actions.length === 0) return {plan: planned, crashed: false, checkpoints, audit}
  // A dead process's failed append now ends the run (a failed append is never dropped), as a kill would.
  const report = await execute(planned, {
    config,
    inventory,
    stores: set,
    audit: auditLog,
    now: () => options.at,
    planOptions: options.planOptions,
    lease: {settleMs: 0, ...options.lease},
    verify: options.verify,
    checkpoint: (label) => {
      checkpoints.push(label)
      if (checkpoints.length === options.crashAt) {
        dead = true
        throw new Crash(`killed after ${label}`)
      }
    },
  }).catch((error: unknown) => {
    if (dead) return undefined
    throw error
  })
  return {plan: planned, report, crashed: dead, checkpoints, audit}
}

export interface View {
  store: string
  currentValue?: string
  /** Values of every enabled version. */
  valid: string[]
  versions: number
  meta: Record<string, string | undefined>
}

export async function view(stores: Record<string, StoreClient>, path = 'api'): Promise<View[]> {
  return Promise.all(
    TARGETS.map(async ({store}) => {
      const client = stores[store]
      const snapshot = await client.describe(path)
      const valid: string[] = []
      let currentValue: string | undefined
      for (const v of snapshot.versions) {
        if (!v.enabled || v.destroyed) continue
        const value = (await client.readValue(path, {versionId: v.id})).reveal()
        valid.push(value)
        if (v.role === 'current') currentValue = value
      }
      return {store, currentValue, valid, versions: snapshot.versions.length, meta: snapshot.meta}
    }),
  )
}

export const value = (text: string) => new SecretValue(text)
