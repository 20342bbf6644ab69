/**
 * The steps every command that looks at stores shares: select, observe, plan, and (for apply and
 * rotate) execute under a run lock, so two overlapping cron runs on one host never interleave.
 */
import {dirname, join} from 'node:path'
import type {AuditLog} from '../audit/index.js'
import type {RotorConfig, SecretConfig} from '../config/types.js'
import {execute, type RunReport} from '../engine/execute.js'
import {readInventory} from '../engine/inventory.js'
import type {StoreSet} from '../engine/stores.js'
import {plan as makePlan} from '../plan/planner.js'
import type {Inventory, Plan, PlanOptions} from '../plan/types.js'
import {withLockFile} from '../util/lock-file.js'

export interface Observed {
  secrets: SecretConfig[]
  inventory: Inventory
  plan: Plan
}

export async function observeAndPlan(
  config: RotorConfig,
  secrets: SecretConfig[],
  stores: StoreSet,
  at: Date,
  options: PlanOptions = {},
): Promise<Observed> {
  const inventory = await readInventory(secrets, stores)
  return {secrets, inventory, plan: makePlan(config, inventory, at, options)}
}

export interface ApplyOptions {
  config: RotorConfig
  secrets: SecretConfig[]
  stores: StoreSet
  audit: AuditLog
  now: () => Date
  planOptions?: PlanOptions
  /** Called with the plan before anything changes; return false to stop. */
  confirm?: (plan: Plan) => Promise<boolean>
  onProgress?: Parameters<typeof execute>[1]['onProgress']
}

export interface ApplyResult {
  plan: Plan
  report?: RunReport
  cancelled?: boolean
}

export function runLockPath(config: RotorConfig): string {
  return join(dirname(config.audit.path), 'run.lock')
}

/** Observe and plan under the run lock (a fresh view), then execute. */
export async function applyChanges(options: ApplyOptions): Promise<ApplyResult> {
  return withLockFile(
    runLockPath(options.config),
    async () => {
      const {inventory, plan} = await observeAndPlan(options.config, options.secrets, options.stores, options.now(), options.planOptions)
      if (plan.actions.length === 0) return {plan}
      if (options.confirm && !(await options.confirm(plan))) return {plan, cancelled: true}
      const report = await execute(plan, {
        config: options.config,
        inventory,
        stores: options.stores,
        audit: options.audit,
        now: options.now,
        onProgress: options.onProgress,
        checkpoint: testCheckpoint(),
      })
      return {plan, report}
    },
    // A live run on this host is never taken over (its pid is checked); 6 h only bounds a lock
    // left by a run on another host that shares this directory.
    {waitMs: 0, staleMs: 6 * 3_600_000, what: `rotor run for ${options.config.file}`},
  )
}

/**
 * Fault tests preload a module that installs a checkpoint counter under this symbol and kill
 * the process at the Nth store-changing call. Production has no such hook installed.
 */
function testCheckpoint(): ((label: string) => void) | undefined {
  return (globalThis as Record<symbol, unknown>)[Symbol.for('rotor.checkpoint')] as ((label: string) => void) | undefined
}
