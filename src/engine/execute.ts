/**
 * The engine: the only place that changes stores. It runs a plan's actions secret by secret
 * (secrets concurrently up to a bound). For each secret that needs more than idempotent
 * retirements it takes the secret's lease, observes the targets again and plans that secret
 * afresh, so what it does rests on what the stores hold now, not on what they held when the plan
 * was printed: two runners that planned the same rotation carry it out once. A failure stops the
 * rest of that secret's actions, is reported, and the other secrets go on.
 */
import {type Anchor, AuditError, anchorIsFor, type AuditLog, readAnchor} from '../audit/index.js'
import type {RotorConfig, SecretConfig} from '../config/types.js'
import type {Notifier} from '../notify/index.js'
import type {Action, Inventory, Plan, PlanOptions} from '../plan/types.js'
import {mapLimit} from '../util/pool.js'
import {TickIndex} from '../schedule/ticks.js'
import type {Verifier} from '../verify/index.js'
import {DEFAULT_LEASE, type LeaseSettings} from './lease.js'
import {runSecret} from './secret-run.js'
import type {StoreSet} from './stores.js'
import type {ValueReader} from './values.js'

/**
 * Secrets worked on at once by default. Each store's limiter bounds its own calls (a cloud store
 * at its quota's concurrency), so this only decides how many secrets can share an audit-log sync
 * and a file store's commit (group commit): the syncs, not the CPU, bound a run on local stores.
 */
export const DEFAULT_CONCURRENCY = 64

/**
 * A run whose stores all take many calls at once (local file stores: 256) works on twice as many
 * secrets as its most limited store takes calls: a rotation mostly waits (the lease's settle
 * pause, audit syncs, commits), and the more secrets share each sync and commit, the fewer there are.
 */
async function defaultConcurrency(plan: Plan, options: EngineOptions): Promise<number> {
  // A stand-in StoreSet (tests) may not say.
  if (typeof options.stores.concurrencyOf !== 'function') return DEFAULT_CONCURRENCY
  const names = new Set<string>()
  const secrets = new Set(plan.actions.map((a) => a.secret))
  for (const secret of options.config.secrets) if (secrets.has(secret.name)) for (const t of secret.targets) names.add(t.store)
  let least = Infinity
  for (const name of names) least = Math.min(least, await options.stores.concurrencyOf(name))
  return Number.isFinite(least) ? Math.max(DEFAULT_CONCURRENCY, 2 * least) : DEFAULT_CONCURRENCY
}

export type ActionOutcome = 'ok' | 'failed' | 'skipped'

export interface ActionResult {
  action: Action
  outcome: ActionOutcome
  error?: {code: string; message: string; hint?: string}
  /** Why a `skipped` action did not run when not because an earlier one failed. */
  reason?: string
}

export interface RunReport {
  at: string
  results: ActionResult[]
  /** Secrets with at least one failed action. */
  failedSecrets: string[]
}

export interface EngineOptions {
  config: RotorConfig
  inventory: Inventory
  stores: StoreSet
  /**
   * `runId` names this run in the lease it takes; a random one when absent. With `lastSeq`/`head`
   * the engine anchors the log in each changed secret's primary, with `anchorProblem` it refuses
   * to run over a log that lost what the anchors record, with `openIntents` it resolves a crashed
   * run's open intents.
   */
  audit: Pick<AuditLog, 'append'> & {runId?: string} & Partial<Pick<AuditLog, 'lastSeq' | 'head' | 'keyId' | 'anchorProblem' | 'anchorProblems' | 'openIntents'>>
  now: () => Date
  concurrency?: number
  /** The options the plan was made with; the engine plans each secret again under its lease. */
  planOptions?: PlanOptions
  lease?: Partial<LeaseSettings>
  verify?: Verifier
  notifier?: Pick<Notifier, 'send'>
  onProgress?: (event: {secret: string; action: Action; outcome: ActionOutcome}) => void
  checkpoint?: (label: string) => void
  /**
   * How a secret is planned again under its lease, from the fresh observation. Default: the
   * planner with `planOptions`; `rotor sync` plans with planSync and fresh fingerprints instead.
   */
  replan?: (secret: SecretConfig, inventory: Inventory) => Promise<Plan>
  /** Values read earlier in this run, reused by the steps instead of reading them again. */
  values?: ValueReader
}

export async function execute(plan: Plan, options: EngineOptions): Promise<RunReport> {
  const bySecret = new Map<string, Action[]>()
  for (const action of plan.actions) {
    const list = bySecret.get(action.secret) ?? []
    list.push(action)
    bySecret.set(action.secret, list)
  }
  await checkAnchors([...bySecret.keys()], options)
  const secrets = new Map(options.config.secrets.map((s) => [s.name, s]))
  const lease = {...DEFAULT_LEASE, ...options.lease}
  // One index of cron ticks for every secret planned again under its lease (valid at any `now`).
  const ticks = new TickIndex(options.now())
  // After SIGINT/SIGTERM (the StoreSet's signal) no new secret starts; see src/cli/interrupt.ts.
  const perSecret = await mapLimit(
    [...bySecret],
    options.concurrency ?? (await defaultConcurrency(plan, options)),
    ([name, actions]) => runSecret(secrets.get(name)!, actions, {...options, lease, ticks}),
    options.stores.signal,
  )
  const results = perSecret.flat()
  const failedSecrets = [...new Set(results.filter((r) => r.outcome === 'failed').map((r) => r.action.secret))]
  return {at: options.now().toISOString(), results, failedSecrets}
}

/**
 * Before any change: every anchor of a secret this run changes must name an entry the log holds.
 * A deleted, emptied, cut or replaced log fails the run here instead of a fresh history starting.
 */
async function checkAnchors(names: string[], options: EngineOptions): Promise<void> {
  const {audit} = options
  if (!audit.anchorProblem && !audit.anchorProblems) return
  const anchors: Anchor[] = []
  for (const name of names) {
    const primary = options.inventory.get(name)?.[0]
    const anchor = readAnchor(primary?.snapshot?.meta, `${name} (${primary?.target.store}:${primary?.target.path})`)
    // Another runner's log anchored it last: that log, not this one, must hold the entry.
    if (anchor && anchorIsFor(anchor, audit.keyId)) anchors.push(anchor)
  }
  // All at once where the log can (one pass over it), else one by one.
  const found = audit.anchorProblems ? await audit.anchorProblems(anchors) : await Promise.all(anchors.map((a) => audit.anchorProblem!(a)))
  const problems = found.filter((p): p is string => p !== undefined)
  if (problems.length > 0) {
    throw new AuditError(problems.join('\n'), {
      hint: 'restore the audit log from a backup, or find out who changed it; `rotor audit verify` lists every anchor. rotor will not start a new history over it',
    })
  }
}
