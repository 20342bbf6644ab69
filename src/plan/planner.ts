/**
 * plan(config, inventory, now) -> Plan. Pure: it reads only its arguments, so `rotor plan --at`
 * can ask what would happen at another moment and tests need no store.
 *
 * Per secret, in this order: adopt what the config says to adopt; finish or undo a rotation an
 * earlier run left in flight; create what does not exist; rotate what is due (which also brings
 * every target up to date) or else repair targets that lag the primary; record a promotion whose
 * time was lost; retire previous versions whose grace is over.
 */
import type {RotorConfig, SecretConfig} from '../config/types.js'
import {TickIndex} from '../schedule/ticks.js'
import {observeSecret, type SecretFacts, type TargetFacts} from './observe.js'
import type {Action, Blocker, ForcedRotation, Inventory, Plan, PlanOptions} from './types.js'
import {refText} from './types.js'

export function plan(config: RotorConfig, inventory: Inventory, now: Date, options: PlanOptions = {}): Plan {
  const actions: Action[] = []
  const blocked: Blocker[] = []
  const ticks = new TickIndex(now)
  for (const secret of config.secrets) {
    const observations = inventory.get(secret.name)
    if (!observations) continue
    const facts = observeSecret(secret, observations, now, ticks)
    planSecret(secret, facts, now, options.force?.get(secret.name), actions, blocked)
  }
  return {at: now.toISOString(), actions, blocked}
}

function planSecret(
  secret: SecretConfig,
  facts: SecretFacts,
  now: Date,
  forced: ForcedRotation | undefined,
  actions: Action[],
  blocked: Blocker[],
): void {
  const name = secret.name
  const failed = facts.targets.filter((t) => t.health === 'error')
  if (failed.length > 0) {
    for (const t of failed) blocked.push({secret: name, target: t.target, reason: `could not read ${refText(t.target)}: ${t.detail}`})
    return
  }
  const unowned = facts.targets.filter((t) => t.health === 'unowned')
  if (unowned.length > 0 && !secret.adopt) {
    for (const t of unowned) {
      blocked.push({
        secret: name,
        target: t.target,
        reason: `${refText(t.target)} exists but is not managed by rotor`,
        hint: 'set `adopt: true` on the secret to let rotor take it over',
      })
    }
    return
  }
  for (const t of unowned) actions.push({kind: 'adopt', secret: name, target: t.target})

  if (!facts.primary.current) {
    actions.push({kind: 'create', secret: name, targets: secret.targets})
    return
  }

  if (planInFlight(name, facts, actions) === 'rolling-forward') return

  const rotate = rotation(facts, now, forced)
  if (rotate) {
    actions.push({kind: 'rotate', secret: name, ...rotate})
  } else {
    for (const t of facts.targets.slice(1)) {
      if (t.health === 'missing' || t.health === 'stale') {
        actions.push({kind: 'repair', secret: name, target: t.target, problem: t.health, rotationId: facts.primary.current.rotationId})
      }
    }
  }
  for (const t of facts.targets) planRetirement(secret, t, now, actions)
}

/**
 * A pending version means an earlier run stopped mid-rotation. If any target already made that
 * rotation current, finish it everywhere (roll forward); otherwise drop the pending versions.
 */
function planInFlight(name: string, facts: SecretFacts, actions: Action[]): 'none' | 'rolled-back' | 'rolling-forward' {
  const inFlight = facts.targets.filter((t) => t.pending)
  if (inFlight.length === 0) return 'none'
  const rotationIds = new Set(inFlight.map((t) => t.pending!.rotationId))
  const promotedSomewhere = facts.targets.some((t) => t.current?.rotationId !== undefined && rotationIds.has(t.current.rotationId))
  if (promotedSomewhere) {
    const rotationId = facts.targets.find((t) => t.current?.rotationId && rotationIds.has(t.current.rotationId))!.current!.rotationId
    actions.push({kind: 'rotate', secret: name, reason: 'manual', emergency: false, resume: rotationId, note: 'finishing an interrupted rotation'})
    return 'rolling-forward'
  }
  for (const t of inFlight) {
    actions.push({kind: 'rollback-pending', secret: name, target: t.target, versionId: t.pending!.id, rotationId: t.pending!.rotationId})
  }
  return 'rolled-back'
}

function rotation(
  facts: SecretFacts,
  now: Date,
  forced: ForcedRotation | undefined,
): Omit<Extract<Action, {kind: 'rotate'}>, 'kind' | 'secret'> | undefined {
  if (forced) {
    return {
      reason: forced.emergency ? 'emergency' : 'manual',
      emergency: forced.emergency,
      ...(forced.reason ? {note: forced.reason} : {}),
    }
  }
  if (facts.dueAt && facts.dueAt <= now) {
    return {reason: facts.dueReason ?? 'schedule', dueAt: facts.dueAt.toISOString(), emergency: false}
  }
  return undefined
}

function planRetirement(secret: SecretConfig, t: TargetFacts, now: Date, actions: Action[]): void {
  if (t.health === 'missing' || !t.current) return
  if (t.promotionUnrecorded) {
    // We cannot know when this grace window began: start it now rather than cut it short.
    actions.push({kind: 'record-promotion', secret: secret.name, target: t.target, versionId: t.current.id})
    return
  }
  if (t.previous && t.graceEndsAt && t.graceEndsAt <= now) {
    actions.push({
      kind: 'retire',
      secret: secret.name,
      target: t.target,
      versionId: t.previous.id,
      mode: secret.retire,
      graceEndedAt: t.graceEndsAt.toISOString(),
    })
  }
  for (const stray of t.strays) {
    actions.push({kind: 'retire', secret: secret.name, target: t.target, versionId: stray.id, mode: secret.retire})
  }
}
