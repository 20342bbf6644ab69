/**
 * One secret's share of a run: lease, fresh observation, fresh plan, actions in order, release.
 */
import {randomUUID} from 'node:crypto'
import {hostname} from 'node:os'
import type {SecretConfig} from '../config/types.js'
import {isRotorError} from '../errors/index.js'
import {plan as makePlan} from '../plan/planner.js'
import type {TickIndex} from '../schedule/ticks.js'
import {type Action, type Inventory, refText} from '../plan/types.js'
import {sleep} from '../util/sleep.js'
import {isVerifyError} from '../verify/index.js'
import {isSkipped, LostRaceError} from './errors.js'
import type {ActionResult, EngineOptions} from './execute.js'
import {readInventory} from './inventory.js'
import {finishing} from './stores.js'
import {intentLive, leaseMeta, leaseOwner, leaseState, type LeaseSettings, releaseMeta} from './lease.js'
import {runRestore} from './restore.js'
import {runRollback} from './rollback.js'
import {runRotate} from './rotate.js'
import {runAdopt, runCreate, runRecordPromotion, runCleanUp, runRepair, runRetire, type StepContext} from './steps.js'
import {redact} from '../redact/index.js'
import {anchorMeta} from '../audit/anchor.js'
import {isAuditError} from '../audit/errors.js'
import {resolveOpenIntents} from '../audit/resolve.js'

type Options = EngineOptions & {lease: LeaseSettings; ticks?: TickIndex}

/** Retirements and promotion records name exact versions and are idempotent: no lease needed. */
const needsLease = (actions: Action[]) => actions.some((a) => a.kind !== 'retire' && a.kind !== 'record-promotion')

export async function runSecret(secret: SecretConfig, planned: Action[], options: Options): Promise<ActionResult[]> {
  if (!needsLease(planned)) {
    // No lease here: settle only a dead run's intents, and only while no live run leases the secret.
    const observations = options.inventory.get(secret.name) ?? []
    const meta = observations[0]?.snapshot?.meta ?? {}
    if (leaseState(meta, '', (options.lease.wallNow ?? Date.now)()).kind !== 'held') {
      await resolveOpenIntents(secret.name, observations, options.audit, (intent) => intent.host !== hostname() || intentLive(intent))
      if (secret.issuer) {
        const {resolveIssuerIntents} = await import('./issuer.js')
        await resolveIssuerIntents(secret.name, observations, options.audit, (intent) => intent.host !== hostname() || intentLive(intent))
      }
    }
    const results = await runActions(secret, planned, options.inventory, options, async () => {})
    await anchorWithoutLease(secret, results, options)
    return results
  }
  const primary = secret.targets[0]
  const me = leaseOwner(options.audit.runId ?? randomUUID())
  const checkpoint = options.checkpoint ?? (() => {})
  let held = false
  let results: ActionResult[] | undefined
  try {
    const client = await options.stores.get(primary.store)
    const before = await client.describe(primary.path)
    // A secret that does not exist yet, or is not ours yet, has no meta to hold a lease: its
    // creation is arbitrated by the store's "must not exist" write, adoption is idempotent.
    if (before.exists && before.owned) {
      const wallNow = options.lease.wallNow ?? Date.now
      const state = leaseState(before.meta, me, wallNow())
      if (state.kind === 'held') {
        return skipAll(secret, planned, `another rotor run (${state.owner}) holds the lease on ${refText(primary)} until ${state.expiresAt}`, options)
      }
      await client.setMeta(primary.path, leaseMeta(me, options.lease, wallNow()))
      checkpoint(`lease ${refText(primary)}`)
      held = true
      // A crashed run's lease is worth a line: it is how the log shows that run stopped mid-way.
      if (state.kind === 'free' && state.takeover) {
        await options.audit.append({secret: secret.name, target: primary, action: 'lease-takeover', reason: state.takeover, outcome: 'ok'})
      }
      await sleep(options.lease.settleMs)
    }
    const inventory = await readInventory([secret], options.stores)
    // Interrupted meanwhile: the reads were refused, which must not look like a lost lease race.
    if (options.stores.signal?.aborted) throw options.stores.signal.reason
    if (held) {
      const meta = inventory.get(secret.name)![0].snapshot?.meta ?? {}
      if (leaseState(meta, me).kind !== 'mine') {
        held = false
        return skipAll(secret, planned, `another rotor run (${meta.leaseOwner}) took the lease on ${refText(primary)} at the same moment`, options)
      }
      // Under the lease no other run changes this secret: an intent still open is a crashed run's.
      await resolveOpenIntents(secret.name, inventory.get(secret.name) ?? [], options.audit)
      if (secret.issuer) {
        const {resolveIssuerIntents} = await import('./issuer.js')
        await resolveIssuerIntents(secret.name, inventory.get(secret.name) ?? [], options.audit)
      }
    }
    if (!held && secret.issuer) {
      // A first creation (no primary, no lease): an earlier run killed between its issuer call and
      // its first store write left a credential only the audit log knows of.
      const {noteUnrecordedIssues} = await import('./issuer.js')
      await noteUnrecordedIssues(secret.name, inventory.get(secret.name) ?? [], options.audit, (intent) => intent.host !== hostname() || intentLive(intent))
    }
    // Only this secret's part of the config: the planner walks every secret it is given.
    const fresh = options.replan
      ? await options.replan(secret, inventory)
      : makePlan({...options.config, secrets: [secret]}, inventory, options.now(), options.planOptions, options.ticks)
    if (fresh.actions.length === 0) {
      const why = fresh.blocked[0]?.reason ?? fresh.deferred?.[0]?.reason ?? 'nothing left to do: another run did it already'
      return skipAll(secret, planned, why, options)
    }
    const confirmLease = async () => {
      if (!held) return
      const now = await client.describe(primary.path)
      if (leaseState(now.meta, me).kind !== 'mine') {
        held = false
        throw new LostRaceError(`the lease on ${refText(primary)} passed to ${now.meta.leaseOwner ?? 'nobody'} before promotion`, {ref: refText(primary)})
      }
    }
    results = await runActions(secret, fresh.actions, inventory, options, confirmLease)
    return results
  } catch (error) {
    if (isAuditError(error)) throw error
    return failAll(secret, planned, error, options)
  } finally {
    // Also after SIGINT/SIGTERM: giving the lease back and anchoring what was done are not new work.
    if (held) await finishing(() => release(secret, me, options))
    else if (results) await finishing(() => anchorWithoutLease(secret, results!, options))
  }
}

/**
 * Gives up the lease and, in the same metadata write, anchors the log: the seq and hash of its
 * latest entry, which now includes every entry of this secret's actions.
 */
async function release(secret: SecretConfig, me: string, options: Options): Promise<void> {
  const primary = secret.targets[0]
  try {
    const client = await options.stores.get(primary.store)
    const now = await client.describe(primary.path)
    if (leaseState(now.meta, me).kind !== 'mine') return
    await client.setMeta(primary.path, {...releaseMeta(), ...anchorOf(options)})
    options.checkpoint?.(`release ${refText(primary)}`)
  } catch {
    // The lease expires by itself; a run on this host also sees that this process is gone.
  }
}

const anchorOf = (options: Options) =>
  options.audit.lastSeq !== undefined && options.audit.head !== undefined
    ? anchorMeta({lastSeq: options.audit.lastSeq, head: options.audit.head, keyId: options.audit.keyId})
    : {}

/**
 * Retirements run without a lease, a creation before there is anything to hold one on: the anchor
 * is their one metadata write at the end.
 */
async function anchorWithoutLease(secret: SecretConfig, results: ActionResult[], options: Options): Promise<void> {
  const primary = secret.targets[0]
  const anchor = anchorOf(options)
  if (!results.some((r) => r.outcome !== 'skipped') || Object.keys(anchor).length === 0) return
  try {
    const client = await options.stores.get(primary.store)
    const now = await client.describe(primary.path)
    if (!now.exists || !now.owned) return
    await client.setMeta(primary.path, anchor)
    options.checkpoint?.(`anchor ${refText(primary)}`)
  } catch {
    // The next change to this secret anchors a later head; verify checks the anchors it finds.
  }
}

async function runActions(
  secret: SecretConfig,
  actions: Action[],
  inventory: Inventory,
  options: Options,
  confirmLease: () => Promise<void>,
): Promise<ActionResult[]> {
  const ctx: StepContext = {
    secret,
    observations: inventory.get(secret.name) ?? [],
    client: (store) => options.stores.get(store),
    audit: async (entry) => {
      await options.audit.append({secret: secret.name, outcome: 'ok', ...entry})
    },
    change: async (entry, effect, done) => {
      const intent = await options.audit.append({secret: secret.name, ...entry, outcome: 'intent'})
      const link = intent?.seq ? {intent: intent.seq} : {}
      let result
      try {
        result = await effect()
      } catch (error) {
        if (isAuditError(error)) throw error
        await options.audit.append({secret: secret.name, ...entry, outcome: 'failed', error: describeError(error).message, ...link})
        audited.add(error as object)
        throw error
      }
      await options.audit.append({secret: secret.name, ...entry, ...done?.(result), outcome: 'ok', ...link})
      return result
    },
    now: options.now,
    checkpoint: options.checkpoint ?? (() => {}),
    verify: options.verify ?? (async () => {}),
    confirmLease,
    ...(options.values ? {values: options.values} : {}),
    ...(secret.issuer ? {issuer: () => options.stores.issuer(secret)} : {}),
  }
  const results: ActionResult[] = []
  let stopped = false
  for (const action of actions) {
    if (stopped) {
      results.push({action, outcome: 'skipped'})
      continue
    }
    try {
      await runAction(ctx, action)
      results.push({action, outcome: 'ok'})
    } catch (error) {
      stopped = true
      if (isSkipped(error)) {
        results.push({action, outcome: 'skipped', reason: error.message})
      } else {
        // The run stops when its log cannot be written: no store changes without a record.
        if (isAuditError(error)) throw error
        const described = describeError(error)
        results.push({action, outcome: 'failed', error: described})
        if (!audited.has(error as object)) await auditFailure(secret, action, described.message, options, isVerifyError(error) ? 'verify' : undefined)
      }
    }
    options.onProgress?.({secret: secret.name, action, outcome: results.at(-1)!.outcome})
    await notifyResult(results.at(-1)!, options)
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
    case 'clean-up':
      return runCleanUp(ctx, action)
    case 'retire':
    case 'rollback-pending':
      return runRetire(ctx, action)
    case 'rollback':
      return runRollback(ctx, action)
    case 'restore':
      return runRestore(ctx, action)
    case 'revoke':
      return import('./issuer.js').then(({runRevoke}) => runRevoke(ctx, action))
    case 'issuer-recover':
      return import('./issuer.js').then(({runIssuerRecover}) => runIssuerRecover(ctx, action))
  }
}

async function notifyResult(result: ActionResult, options: Options): Promise<void> {
  if (!options.notifier) return
  const {action, outcome} = result
  const at = options.now().toISOString()
  if (outcome === 'failed') {
    await options.notifier.send({event: 'failed', secret: action.secret, at, action: action.kind, error: result.error?.message})
  } else if (outcome === 'ok' && action.kind === 'rotate') {
    await options.notifier.send({event: 'rotated', secret: action.secret, at, reason: action.emergency ? 'emergency' : action.reason})
  } else if (outcome === 'ok' && action.kind === 'rollback') {
    await options.notifier.send({event: 'rolled-back', secret: action.secret, at, reason: `version ${action.toVersion} is current again`})
  }
}

function skipAll(secret: SecretConfig, planned: Action[], reason: string, options: Options): ActionResult[] {
  const results = planned.map((action): ActionResult => ({action, outcome: 'skipped', reason}))
  for (const r of results) options.onProgress?.({secret: secret.name, action: r.action, outcome: r.outcome})
  return results
}

async function failAll(secret: SecretConfig, planned: Action[], error: unknown, options: Options): Promise<ActionResult[]> {
  const described = describeError(error)
  const results = planned.map((action, i): ActionResult => (i === 0 ? {action, outcome: 'failed', error: described} : {action, outcome: 'skipped'}))
  await auditFailure(secret, planned[0], described.message, options)
  for (const r of results) options.onProgress?.({secret: secret.name, action: r.action, outcome: r.outcome})
  await notifyResult(results[0], options)
  return results
}

/** Errors a `change` already recorded as its failed outcome. */
const audited = new WeakSet<object>()

/** A failure the log cannot take fails the run (AuditError), never vanishes. */
async function auditFailure(secret: SecretConfig, action: Action, message: string, options: Options, step?: string): Promise<void> {
  await options.audit.append({
    secret: secret.name,
    target: 'target' in action ? refText(action.target) : undefined,
    action: step ?? action.kind,
    outcome: 'failed',
    error: message,
  })
}

function describeError(error: unknown): {code: string; message: string; hint?: string} {
  // Reports and the audit log keep these messages: mask anything that echoes a value.
  if (isRotorError(error)) return {code: error.code, message: redact(error.message), ...(error.hint ? {hint: redact(error.hint)} : {})}
  // Not translated by a provider: report it as internal so the cause is visible.
  return {code: 'INTERNAL', message: redact(`${(error as Error)?.name ?? 'Error'}: ${(error as Error)?.message ?? String(error)}`)}
}
