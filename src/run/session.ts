/**
 * The steps every command that looks at stores shares: select, observe, plan, and (for apply and
 * rotate) execute under a run lock, so two overlapping cron runs on one host never interleave.
 */
import {dirname, join} from 'node:path'
import type {AuditLog} from '../audit/index.js'
import {readHistory} from '../audit/history.js'
import type {RotorConfig, SecretConfig} from '../config/types.js'
import {execute, type RunReport} from '../engine/execute.js'
import {readInventory} from '../engine/inventory.js'
import {clearStaleLeases, type LeaseSettings} from '../engine/lease.js'
import type {StoreSet} from '../engine/stores.js'
import {Notifier} from '../notify/notifier.js'
import {UPCOMING_META, upcomingNotices} from '../notify/upcoming.js'
import {plan as makePlan} from '../plan/planner.js'
import type {Inventory, Plan, PlanOptions} from '../plan/types.js'
import {withLockFile} from '../util/lock-file.js'
import {makeVerifier, type Verifier} from '../verify/index.js'

export interface Observed {
  secrets: SecretConfig[]
  inventory: Inventory
  plan: Plan
  /** What the plan was made with, the audit history included. */
  planOptions: PlanOptions
}

export async function observeAndPlan(
  config: RotorConfig,
  secrets: SecretConfig[],
  stores: StoreSet,
  at: Date,
  options: PlanOptions = {},
  onRead?: (targets: number) => void,
): Promise<Observed> {
  const [inventory, planOptions] = await Promise.all([readInventory(secrets, stores, undefined, onRead), withHistory(config, options)])
  return {secrets, inventory, plan: makePlan(config, inventory, at, planOptions), planOptions}
}

/**
 * What a command that shows each secret beside its plan (`status`) reads: the inventory and the
 * options the plan is made with. It plans as it shows (planSecrets), each secret observed once.
 */
export async function observeForListing(config: RotorConfig, secrets: SecretConfig[], stores: StoreSet): Promise<{inventory: Inventory; planOptions: PlanOptions}> {
  const [inventory, planOptions] = await Promise.all([readInventory(secrets, stores), withHistory(config, {})])
  return {inventory, planOptions}
}

/**
 * The options plus the secrets the audit log knows (one read per run, reused by the engine's
 * replans). The engine checks a run's anchors in a pass of its own that hashes only the lines
 * they name (AuditLog.anchorProblems), so no hash of every entry is kept here.
 */
export async function withHistory(config: RotorConfig, options: PlanOptions): Promise<PlanOptions> {
  if (options.history) return options
  return {...options, history: await readHistory(config.audit.path)}
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
  /** Targets observed so far (for a progress bar), then the plan once it is made. */
  onRead?: (targets: number) => void
  onPlanned?: (plan: Plan) => void
  onProgress?: Parameters<typeof execute>[1]['onProgress']
  /** Warnings for the operator (stderr in the CLI): failed notifications. Never a secret value. */
  warn?: (message: string) => void
  env?: NodeJS.ProcessEnv
  verify?: Verifier
  lease?: Partial<LeaseSettings>
  /** Secrets the engine works on at once (default 8); each store's limiter bounds its calls. */
  concurrency?: number
}

export interface ApplyResult {
  plan: Plan
  report?: RunReport
  cancelled?: boolean
}

export function runLockPath(config: RotorConfig): string {
  return join(dirname(config.audit.path), 'run.lock')
}

/** Observe and plan under the run lock (a fresh view), then execute and send reminders. */
export async function applyChanges(options: ApplyOptions): Promise<ApplyResult> {
  // A wait on the run lock or a takeover of a dead run's lock goes to stderr and, once held, to the audit log.
  const lockEvents: string[] = []
  return withLockFile(
    runLockPath(options.config),
    async () => {
      for (const event of lockEvents) await options.audit.append({secret: '*', action: 'run-lock', reason: event, outcome: 'ok'})
      const {inventory, plan, planOptions} = await observeAndPlan(options.config, options.secrets, options.stores, options.now(), options.planOptions, options.onRead)
      options.onPlanned?.(plan)
      const notifier = new Notifier(options.config.notify ?? [], {env: options.env, warn: options.warn ?? warnOnStderr, audit: options.audit})
      if (plan.actions.length === 0) {
        await clearStaleLeases(inventory, new Set(), options.stores, options.audit, options.lease, testCheckpoint())
        await sendUpcoming(options, inventory, notifier, new Set())
        return {plan}
      }
      if (options.confirm && !(await options.confirm(plan))) return {plan, cancelled: true}
      const report = await execute(plan, {
        config: options.config,
        inventory,
        stores: options.stores,
        audit: options.audit,
        now: options.now,
        planOptions,
        lease: options.lease,
        verify: options.verify ?? makeVerifier({env: options.env, config: options.config}),
        notifier,
        onProgress: options.onProgress,
        checkpoint: testCheckpoint(),
        ...(options.concurrency ? {concurrency: options.concurrency} : {}),
      })
      const touched = new Set(plan.actions.map((a) => a.secret))
      await clearStaleLeases(inventory, touched, options.stores, options.audit, options.lease, testCheckpoint())
      await sendUpcoming(options, inventory, notifier, touched)
      return {plan, report}
    },
    // A live run on this host is never taken over (its pid is checked); 6 h only bounds a lock
    // left by a run on another host that shares this directory.
    {
      waitMs: 0,
      staleMs: 6 * 3_600_000,
      what: `rotor run for ${options.config.file}`,
      warn: (message) => {
        lockEvents.push(message)
        ;(options.warn ?? warnOnStderr)(message)
      },
    },
  )
}

const warnOnStderr = (message: string) => {
  process.stderr.write(`Warning: ${message}\n`)
}

/** Reminders for rotations due soon, each told once per due time (see src/notify/upcoming.ts). */
async function sendUpcoming(options: ApplyOptions, inventory: Inventory, notifier: Notifier, changed: Set<string>): Promise<void> {
  const notices = upcomingNotices(options.config, options.secrets, inventory, options.now(), changed)
  for (const notice of notices) {
    await notifier.send(
      {event: 'upcoming', secret: notice.secret.name, at: options.now().toISOString(), dueAt: notice.dueAt.toISOString(), ...(notice.secret.environment ? {environment: notice.secret.environment} : {})},
      (_hook, index) => notice.hooks.includes(index),
    )
    const primary = notice.secret.targets[0]
    try {
      await (await options.stores.get(primary.store)).setMeta(primary.path, {[UPCOMING_META]: notice.record})
      testCheckpoint()?.(`notified ${primary.store}:${primary.path}`)
    } catch (error) {
      const warn = options.warn ?? warnOnStderr
      warn(`could not record the reminder for ${notice.secret.name}: ${(error as Error).message}`)
    }
  }
}

/**
 * Fault tests preload a module that installs a checkpoint counter under this symbol and kill
 * the process at the Nth store-changing call. Production has no such hook installed.
 */
function testCheckpoint(): ((label: string) => void) | undefined {
  return (globalThis as Record<symbol, unknown>)[Symbol.for('rotor.checkpoint')] as ((label: string) => void) | undefined
}
