/**
 * `rotor diff`, `rotor sync` and `rotor copy`: observe, read the values only rotation ids cannot
 * vouch for, work out the drift, and (sync, copy) carry out the writes through the engine under
 * each secret's lease and the run lock, as `apply` does.
 */
import type {AuditLog} from '../audit/index.js'
import type {RotorConfig, SecretConfig} from '../config/types.js'
import {execute, type RunReport} from '../engine/execute.js'
import {readInventory} from '../engine/inventory.js'
import type {StoreSet} from '../engine/stores.js'
import {ValueReader} from '../engine/values.js'
import {Notifier} from '../notify/notifier.js'
import {detectDrift, type SecretDrift, valuesNeeded} from '../plan/drift.js'
import {planSync, type SyncOptions} from '../plan/sync.js'
import type {Inventory, Plan} from '../plan/types.js'
import {withLockFile} from '../util/lock-file.js'
import {runLockPath} from './session.js'

export interface DriftView {
  inventory: Inventory
  drift: SecretDrift[]
  plan: Plan
}

/** Secrets in flight at once in the engine; each store's limiter bounds the calls it makes. */
export const SYNC_CONCURRENCY = 32

async function readNeeded(secrets: SecretConfig[], inventory: Inventory, values: ValueReader, at: Date): Promise<void> {
  await values.fetch(secrets.flatMap((s) => valuesNeeded(s, inventory.get(s.name) ?? [], at)))
}

export async function observeDrift(
  config: RotorConfig,
  secrets: SecretConfig[],
  stores: StoreSet,
  at: Date,
  values: ValueReader = new ValueReader(stores),
  options: SyncOptions = {},
  onRead?: (targets: number) => void,
): Promise<DriftView> {
  const inventory = await readInventory(secrets, stores, undefined, onRead)
  await readNeeded(secrets, inventory, values, at)
  const drift = secrets.map((s) => detectDrift(s, inventory.get(s.name) ?? [], at, values.fingerprints))
  return {inventory, drift, plan: planSync({...config, secrets}, inventory, at, values.fingerprints, options)}
}

export interface SyncRunOptions {
  config: RotorConfig
  secrets: SecretConfig[]
  stores: StoreSet
  audit: Pick<AuditLog, 'append'> & {runId?: string}
  now: () => Date
  /** Called with the plan before anything changes; return false to stop. */
  confirm?: (plan: Plan) => Promise<boolean>
  onPlanned?: (plan: Plan) => void
  onRead?: (targets: number) => void
  onProgress?: Parameters<typeof execute>[1]['onProgress']
  warn?: (message: string) => void
  env?: NodeJS.ProcessEnv
  sync?: SyncOptions
  /** Skip the run lock (in-process callers that hold their own). */
  unlocked?: boolean
  lease?: Parameters<typeof execute>[1]['lease']
}

export interface SyncResult {
  plan: Plan
  drift: SecretDrift[]
  report?: RunReport
  cancelled?: boolean
}

export async function syncChanges(options: SyncRunOptions): Promise<SyncResult> {
  const work = async (): Promise<SyncResult> => {
    const values = new ValueReader(options.stores)
    const {inventory, drift, plan} = await observeDrift(options.config, options.secrets, options.stores, options.now(), values, options.sync, options.onRead)
    options.onPlanned?.(plan)
    if (plan.actions.length === 0) return {plan, drift}
    if (options.confirm && !(await options.confirm(plan))) return {plan, drift, cancelled: true}
    // The primaries' current values the copies need, in batches where the store has them, rather
    // than one read per secret later under its lease.
    await values.fetch(
      plan.actions.flatMap((a) => {
        if (a.kind !== 'repair') return []
        const primary = inventory.get(a.secret)?.[0]
        const current = primary?.snapshot?.versions.find((v) => v.role === 'current' && v.enabled)
        return primary && current ? [{target: primary.target, versionId: current.id, current: true}] : []
      }),
    )
    const notifier = new Notifier(options.config.notify ?? [], {
      env: options.env,
      warn: options.warn ?? ((m) => process.stderr.write(`Warning: ${m}\n`)),
      audit: options.audit,
    })
    const report = await execute(plan, {
      // The secrets of this run, which for `rotor copy` is one made up for the copy.
      config: {...options.config, secrets: options.secrets},
      inventory,
      stores: options.stores,
      audit: options.audit,
      now: options.now,
      concurrency: SYNC_CONCURRENCY,
      lease: options.lease,
      notifier,
      values,
      onProgress: options.onProgress,
      // Under the lease: what the stores hold now, compared with values read once per version.
      replan: async (secret, fresh) => {
        await readNeeded([secret], fresh, values, options.now())
        return planSync({...options.config, secrets: [secret]}, fresh, options.now(), values.fingerprints, options.sync)
      },
    })
    return {plan, drift, report}
  }
  if (options.unlocked) return work()
  return withLockFile(runLockPath(options.config), work, {waitMs: 0, staleMs: 6 * 3_600_000, what: `rotor run for ${options.config.file}`, ...(options.warn ? {warn: options.warn} : {})})
}
