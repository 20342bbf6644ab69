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
import {copyRotationId} from './drift.js'
import {mayRetire} from './grace.js'
import {planInFlight, planRestore, planRollback} from './in-flight.js'
import {intentHeld, issuerFacts, issuerRoomBlocker, type IssuerFacts, orphanCredentials, planRevocations, rollbackIssuerBlocker, withoutCredentials} from './issuer.js'
import {observeSecret, type SecretFacts, type TargetFacts} from './observe.js'
import type {Action, Blocker, Deferral, ForcedRotation, Inventory, Plan, PlanOptions, TargetObservation} from './types.js'
import {refText} from './types.js'

interface Sink {
  actions: Action[]
  blocked: Blocker[]
  deferred: Deferral[]
}

/**
 * `ticks`: an index of cron ticks to reuse across plans (the engine plans each secret again under
 * its lease); an index answers correctly at any `now`, its own `now` only places its window.
 */
export function plan(config: RotorConfig, inventory: Inventory, now: Date, options: PlanOptions = {}, ticks = new TickIndex(now)): Plan {
  // Each secret's facts are dropped once it is planned: a fleet's are not all held at once.
  const sink: Sink = {actions: [], blocked: [], deferred: []}
  for (const secret of config.secrets) {
    const observations = inventory.get(secret.name)
    if (observations) planOne(secret, observations, now, options, ticks, sink)
  }
  return {at: now.toISOString(), ...sink}
}

/** One secret as plan() plans it: the facts it was planned from, and its part of the plan. */
export interface PlannedSecret {
  secret: SecretConfig
  facts: SecretFacts
  actions: Action[]
  blocked: Blocker[]
  deferred: Deferral[]
}

/**
 * plan() one secret at a time, each yielded with the facts it was planned from, for a command
 * that shows both (`status`): every secret is observed once, and a consumer that is done with a
 * secret before it asks for the next holds no fleet of facts. In the order of `secrets` (plan()
 * goes over config.secrets: the same order for a selection from it); a secret with no
 * observations is left out, as plan() leaves it out. The yields' actions, blockers and deferrals,
 * in turn, are plan()'s.
 */
export function* planSecrets(secrets: readonly SecretConfig[], inventory: Inventory, now: Date, options: PlanOptions = {}, ticks = new TickIndex(now)): Generator<PlannedSecret, void, undefined> {
  for (const secret of secrets) {
    const observations = inventory.get(secret.name)
    if (!observations) continue
    const sink: Sink = {actions: [], blocked: [], deferred: []}
    const facts = planOne(secret, observations, now, options, ticks, sink)
    yield {secret, facts, ...sink}
  }
}

function planOne(secret: SecretConfig, observations: TargetObservation[], now: Date, options: PlanOptions, ticks: TickIndex, sink: Sink): SecretFacts {
  const facts = observeSecret(secret, observations, now, ticks)
  planSecret(secret, facts, now, options, sink, issuerFacts(secret, observations[0]))
  return facts
}

function planSecret(
  secret: SecretConfig,
  facts: SecretFacts,
  now: Date,
  options: PlanOptions,
  {actions, blocked, deferred}: Sink,
  issuer?: IssuerFacts,
): void {
  const name = secret.name
  const forced = options.force?.get(name)
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
  if (issuer?.error) {
    blocked.push({secret: name, reason: `could not read issuer ${issuer.issuer}: ${issuer.error.message}`, ...(issuer.error.hint ? {hint: issuer.error.hint} : {})})
    return
  }
  for (const t of unowned) actions.push({kind: 'adopt', secret: name, target: t.target})
  // What a cut-off store call left (AWSPENDING on the current version) is cleaned up first, also while rolling forward.
  for (const t of facts.targets) for (const l of t.leftovers) actions.push({kind: 'clean-up', secret: name, target: t.target, versionId: l.versionId, detail: l.detail})

  if (options.rollback?.has(name)) {
    const refused = issuer ? rollbackIssuerBlocker(secret, issuer) : undefined
    if (refused) blocked.push(refused)
    else planRollback(name, facts, now, actions, blocked)
    return
  }
  const restore = options.restore?.get(name)
  if (restore) {
    planRestore(name, facts, now, restore.from, actions, blocked)
    return
  }

  if (!facts.primary.current) {
    const lost = primaryLost(facts, options.history?.has(name) ?? false)
    if (lost && !options.recreate) {
      blocked.push({
        secret: name,
        target: facts.primary.target,
        reason: `the primary ${refText(facts.primary.target)} has no value, but ${lost}; creating would mint a new value over live ones`,
        hint: `put the live value back with \`rotor restore ${name}\` (or restore the store from a backup); \`rotor apply --recreate\` mints a new value instead`,
      })
      return
    }
    // A first creation killed after its issuer call left a credential no store holds: revoke it first.
    if (issuer?.intent && !intentHeld(issuer, facts)) {
      actions.push({kind: 'issuer-recover', secret: name, issuer: issuer.issuer, rotationId: issuer.intent.rotationId, revoke: orphanCredentials(issuer)})
    }
    actions.push({kind: 'create', secret: name, targets: secret.targets, ...(issuer ? {issuer: issuer.issuer} : {})})
    return
  }

  const wanted = rotation(facts, now, forced)
  const wait = wanted && !wanted.emergency ? previousInGrace(facts, now) : undefined
  const willRotate = wait ? undefined : wanted
  const inFlight = planInFlight(name, facts, willRotate, actions)
  if (inFlight.kind === 'rolling-forward') {
    if (issuer) for (const a of actions) if (a.kind === 'rotate' && a.secret === name) a.issuer = issuer.issuer
    return
  }
  // An issuer call an earlier run recorded whose credential no store holds (nor this run resumes).
  const recover = issuer?.intent && !intentHeld(issuer, facts) && inFlight.resume !== issuer.intent.rotationId ? issuer : undefined
  const recovered = recover ? orphanCredentials(recover) : []
  if (recover) {
    actions.push({kind: 'issuer-recover', secret: name, issuer: recover.issuer, rotationId: recover.intent!.rotationId, revoke: recovered})
  }
  // ... and rotates again: the interrupted rotation was wanted.
  const rotateNow = willRotate ?? (recover && !wait ? {reason: 'manual' as const, emergency: false, note: 'rotating again after an interrupted issuer call'} : undefined)
  let retiredFirst = false
  // The recovery just planned deletes its orphans first: they take no slot from the new credential.
  const room = rotateNow && issuer && !inFlight.resume ? issuerRoomBlocker(secret, withoutCredentials(issuer, recovered)) : undefined
  if (room) {
    blocked.push(room)
  } else if (rotateNow) {
    if (issuer && !inFlight.resume && (issuer.previous || issuer.inactive)) {
      // The new credential needs the slot of the one whose grace ended (or that waits for its
      // deleteAfter): retire it in the stores, then delete it at the issuer, then rotate.
      retiredFirst = true
      for (const t of facts.targets) planRetirement(secret, t, now, options.emergency?.has(name) ?? false, actions)
      for (const id of [issuer.previous, issuer.inactive?.id]) {
        if (id) actions.push({kind: 'revoke', secret: name, issuer: issuer.issuer, credentialId: id, mode: 'delete', why: 'before-rotation'})
      }
    }
    actions.push({kind: 'rotate', secret: name, ...rotateNow, ...(inFlight.resume ? {resume: inFlight.resume} : {}), ...(issuer ? {issuer: issuer.issuer} : {})})
  } else {
    if (wait) {
      const reason = `the previous version on ${refText(wait.target)} is valid until ${wait.until ?? 'its grace window is recorded'}; rotating now would invalidate it early`
      if (forced) {
        blocked.push({secret: name, reason, hint: 'wait for the grace window to end, or use `rotor rotate --emergency` if the old value leaked'})
      } else {
        deferred.push({secret: name, reason, ...(wait.until ? {until: wait.until} : {})})
      }
    }
    for (const t of facts.targets.slice(1)) {
      if (t.health === 'missing' || t.health === 'stale') {
        const rotationId = facts.primary.current.rotationId
        const writeAs = rotationId && t.snapshot ? copyRotationId(rotationId, t.snapshot.versions) : undefined
        actions.push({kind: 'repair', secret: name, target: t.target, problem: t.health, rotationId, ...(writeAs && writeAs !== rotationId ? {writeAs} : {})})
      }
    }
  }
  // A forced emergency rotation retires every older version in its own step (engine/rotate.ts).
  const emergency = options.emergency?.has(name) ?? false
  if (!retiredFirst) for (const t of facts.targets) planRetirement(secret, t, now, emergency, actions)
  if (issuer && !rotateNow && !room) planRevocations(secret, issuer, facts, now, actions)
}

/** Why a primary without a value was lost rather than never made; undefined for a new secret. */
function primaryLost(facts: SecretFacts, history: boolean): string | undefined {
  const holding = facts.targets.slice(1).filter((t) => t.snapshot?.exists && t.snapshot.owned && t.current)
  if (holding.length > 0) return `${holding.map((t) => refText(t.target)).join(', ')} ${holding.length === 1 ? 'holds' : 'hold'} rotor-owned versions`
  if (history) return 'the audit log records its history'
  return undefined
}

/**
 * A new rotation would demote the previous version of a target that is still in its grace
 * window, cutting that window short (some stores cannot keep three versions valid). A forced
 * non-emergency rotation is refused and a scheduled one waits; `until` is undefined when the
 * window's start was never recorded (the same run records it).
 */
function previousInGrace(facts: SecretFacts, now: Date): {target: TargetFacts['target']; until?: string} | undefined {
  for (const t of facts.targets) {
    if (!t.previous) continue
    if (t.promotionUnrecorded) return {target: t.target}
    if (t.graceEndsAt && t.graceEndsAt > now) return {target: t.target, until: t.graceEndsAt.toISOString()}
  }
  return undefined
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

function planRetirement(secret: SecretConfig, t: TargetFacts, now: Date, emergency: boolean, actions: Action[]): void {
  if (t.health === 'missing' || !t.current) return
  if (t.promotionUnrecorded) {
    // We cannot know when this grace window began: start it now rather than cut it short.
    actions.push({kind: 'record-promotion', secret: secret.name, target: t.target, versionId: t.current.id})
    return
  }
  if (t.previous && mayRetire(t, t.previous, now, emergency)) {
    actions.push({
      kind: 'retire',
      secret: secret.name,
      target: t.target,
      versionId: t.previous.id,
      mode: secret.retire,
      ...(t.graceEndsAt ? {graceEndedAt: t.graceEndsAt.toISOString()} : {}),
    })
  }
  for (const stray of t.strays) {
    if (!mayRetire(t, stray, now, emergency)) continue
    actions.push({kind: 'retire', secret: secret.name, target: t.target, versionId: stray.id, mode: secret.retire})
  }
}
