/**
 * The engine: the only place that changes stores. It runs a plan's actions secret by secret
 * (actions of one secret in order, secrets concurrently up to a bound); a failure stops the rest
 * of that secret's actions, is reported, and the other secrets go on.
 */
import type {AuditLog} from '../audit/index.js'
import type {RotorConfig, SecretConfig} from '../config/types.js'
import {isRotorError} from '../errors/index.js'
import {type Action, type Inventory, type Plan, refText} from '../plan/types.js'
import {mapLimit} from '../util/pool.js'
import {runAdopt, runCreate, runRecordPromotion, runRepair, runRetire, runRotate, type StepContext} from './steps.js'
import type {StoreSet} from './stores.js'

export type ActionOutcome = 'ok' | 'failed' | 'skipped'

export interface ActionResult {
  action: Action
  outcome: ActionOutcome
  error?: {code: string; message: string; hint?: string}
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
  audit: Pick<AuditLog, 'append'>
  now: () => Date
  concurrency?: number
  onProgress?: (event: {secret: string; action: Action; outcome: ActionOutcome}) => void
  checkpoint?: (label: string) => void
}

export async function execute(plan: Plan, options: EngineOptions): Promise<RunReport> {
  const bySecret = new Map<string, Action[]>()
  for (const action of plan.actions) {
    const list = bySecret.get(action.secret) ?? []
    list.push(action)
    bySecret.set(action.secret, list)
  }
  const secrets = new Map(options.config.secrets.map((s) => [s.name, s]))
  const perSecret = await mapLimit([...bySecret], options.concurrency ?? 8, ([name, actions]) =>
    runSecret(secrets.get(name)!, actions, options),
  )
  const results = perSecret.flat()
  const failedSecrets = [...new Set(results.filter((r) => r.outcome === 'failed').map((r) => r.action.secret))]
  return {at: options.now().toISOString(), results, failedSecrets}
}

async function runSecret(secret: SecretConfig, actions: Action[], options: EngineOptions): Promise<ActionResult[]> {
  const ctx: StepContext = {
    secret,
    observations: options.inventory.get(secret.name) ?? [],
    client: (store) => options.stores.get(store),
    audit: async (entry) => {
      await options.audit.append({secret: secret.name, outcome: 'ok', ...entry})
    },
    now: options.now,
    checkpoint: options.checkpoint ?? (() => {}),
  }
  const results: ActionResult[] = []
  let failed = false
  for (const action of actions) {
    if (failed) {
      results.push({action, outcome: 'skipped'})
      continue
    }
    try {
      await runAction(ctx, action)
      results.push({action, outcome: 'ok'})
    } catch (error) {
      failed = true
      const described = describeError(error)
      results.push({action, outcome: 'failed', error: described})
      await options.audit
        .append({
          secret: secret.name,
          target: 'target' in action ? refText(action.target) : undefined,
          action: action.kind,
          outcome: 'failed',
          error: described.message,
        })
        .catch(() => {})
    }
    options.onProgress?.({secret: secret.name, action, outcome: results.at(-1)!.outcome})
  }
  return results
}

function runAction(ctx: StepContext, action: Action): Promise<void> {
  switch (action.kind) {
    case 'adopt':
      return runAdopt(ctx, action.target)
    case 'create':
      return runCreate(ctx)
    case 'rotate':
      return runRotate(ctx, action)
    case 'repair':
      return runRepair(ctx, action)
    case 'record-promotion':
      return runRecordPromotion(ctx, action)
    case 'retire':
    case 'rollback-pending':
      return runRetire(ctx, action)
  }
}

function describeError(error: unknown): {code: string; message: string; hint?: string} {
  if (isRotorError(error)) return {code: error.code, message: error.message, ...(error.hint ? {hint: error.hint} : {})}
  // Not translated by a provider: report it as internal so the cause is visible.
  return {code: 'INTERNAL', message: `${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`}
}
