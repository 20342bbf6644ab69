/**
 * What the planner does about work an earlier run left half done, and about `rotor rollback`.
 * Pure, like the rest of the planner: everything it needs is in the observed facts.
 */
import type {SecretFacts, TargetFacts} from './observe.js'
import type {TargetRef} from '../config/types.js'
import {sameRotation} from './drift.js'
import type {Action, Blocker} from './types.js'
import {refText} from './types.js'

export interface InFlight {
  kind: 'none' | 'rolled-back' | 'rolling-forward'
  /** An unpromoted rotation whose staged value the due rotation of this run reuses. */
  resume?: string
}

type Rotate = Omit<Extract<Action, {kind: 'rotate'}>, 'kind' | 'secret'>

/**
 * A pending version (or an unfinished emergency recorded on the primary) means an earlier run
 * stopped mid-rotation.
 * - If any target already made that rotation current, finish it everywhere (roll forward).
 * - An unfinished emergency is finished, with its staged value when there is one.
 * - Otherwise, when this run rotates anyway, it reuses the staged value: the same outcome as
 *   rolling back and staging a fresh value, with one version fewer on every target.
 * - Otherwise the pending versions are rolled back.
 * Pending versions of any other rotation are rolled back first.
 */
export function planInFlight(name: string, facts: SecretFacts, willRotate: Rotate | undefined, actions: Action[]): InFlight {
  const pendings = facts.targets.filter((t) => t.pending)
  const emergency = facts.intent?.emergency ? facts.intent.rotationId : undefined
  const ids = new Set<string>()
  for (const t of pendings) if (t.pending!.rotationId) ids.add(t.pending!.rotationId)
  if (emergency) ids.add(emergency)
  if (pendings.length === 0 && ids.size === 0) return {kind: 'none'}

  const promoted = facts.targets.find((t) => t.current?.rotationId !== undefined && ids.has(t.current.rotationId))
  if (promoted) {
    const rotationId = promoted.current!.rotationId!
    rollBack(name, pendings, rotationId, actions)
    const isEmergency = rotationId === emergency
    actions.push({
      kind: 'rotate',
      secret: name,
      reason: isEmergency ? 'emergency' : 'manual',
      emergency: isEmergency,
      resume: rotationId,
      note: isEmergency ? 'finishing an interrupted emergency rotation' : 'finishing an interrupted rotation',
    })
    return {kind: 'rolling-forward'}
  }

  if (emergency) {
    const staged = pendings.some((t) => t.pending!.rotationId === emergency)
    rollBack(name, pendings, staged ? emergency : undefined, actions)
    actions.push({
      kind: 'rotate',
      secret: name,
      reason: 'emergency',
      emergency: true,
      ...(staged ? {resume: emergency} : {}),
      note: 'finishing an interrupted emergency rotation',
    })
    return {kind: 'rolling-forward'}
  }

  if (willRotate && !willRotate.emergency) {
    const reuse = facts.primary.pending?.rotationId ?? pendings.find((t) => t.pending!.rotationId)?.pending!.rotationId
    rollBack(name, pendings, reuse, actions)
    return {kind: 'rolled-back', ...(reuse ? {resume: reuse} : {})}
  }
  rollBack(name, pendings, undefined, actions)
  return {kind: 'rolled-back'}
}

function rollBack(name: string, pendings: TargetFacts[], keep: string | undefined, actions: Action[]): void {
  for (const t of pendings) {
    if (keep !== undefined && t.pending!.rotationId === keep) continue
    actions.push({kind: 'rollback-pending', secret: name, target: t.target, versionId: t.pending!.id, rotationId: t.pending!.rotationId})
  }
}

/**
 * `rotor rollback`: make the primary's previous version current again on every target, while its
 * grace window lasts. Refused while a rotation is in flight (finish it with `apply` first) and
 * once the window is over (the old value may be retired already; rotate instead).
 */
export function planRollback(name: string, facts: SecretFacts, now: Date, actions: Action[], blocked: Blocker[]): void {
  const {primary} = facts
  const inFlight = facts.targets.find((t) => t.pending)
  if (inFlight || facts.intent?.emergency) {
    blocked.push({
      secret: name,
      reason: `a rotation is in flight${inFlight ? ` (pending version ${inFlight.pending!.id} on ${refText(inFlight.target)})` : ''}`,
      hint: 'run `rotor apply` to finish or undo it, then roll back',
    })
    return
  }
  if (!primary.current) {
    blocked.push({
      secret: name,
      reason: `${refText(primary.target)} holds no value yet, so there is nothing to roll back`,
      hint: 'run `rotor apply` first',
    })
    return
  }
  if (!primary.previous) {
    // Only the current version ever existed: nothing was rotated, so nothing was retired either.
    const neverRotated = (primary.snapshot?.versions.length ?? 1) <= 1
    blocked.push({
      secret: name,
      reason: neverRotated
        ? `${name} has never been rotated: ${refText(primary.target)} holds only its first value`
        : `${refText(primary.target)} has no previous version to roll back to`,
      hint: neverRotated
        ? `there is no earlier value to go back to; to replace the value, rotate it: \`rotor rotate ${name}\``
        : 'the previous value was retired when its grace window ended; rotate instead',
    })
    return
  }
  if (primary.graceEndsAt && primary.graceEndsAt <= now) {
    blocked.push({
      secret: name,
      reason: `the grace window of the previous version ended at ${primary.graceEndsAt.toISOString()}; rollback is only possible within it`,
      hint: `rotate instead: \`rotor rotate ${name}\``,
    })
    return
  }
  // A target that lags the primary may be half-way through an earlier rollback: rolling back
  // again now would flip the primary back instead of finishing that one.
  const lagging = facts.targets.find((t) => t.health === 'missing' || t.health === 'stale' || !t.current)
  if (lagging) {
    blocked.push({
      secret: name,
      reason: `${refText(lagging.target)} does not hold the primary's current version (an earlier change did not reach every target)`,
      hint: 'run `rotor apply` to bring every target to the primary, then check `rotor status` before rolling back',
    })
    return
  }
  actions.push({
    kind: 'rollback',
    secret: name,
    toVersion: primary.previous.id,
    fromVersion: primary.current.id,
    // Unrecorded, the window never started, so it cannot have ended.
    ...(primary.graceEndsAt ? {graceEndsAt: primary.graceEndsAt.toISOString()} : {}),
  })
}

/**
 * `rotor restore`: the primary lost its value (a deleted store file, a fresh volume) while other
 * targets still hold rotor's versions. Put the source's current version, and its previous one
 * while that one's grace window lasts, back on the primary under their own rotation ids, so
 * every target agrees again without a new value. The source is `from`, else the target whose
 * owned current version was promoted last.
 *
 * Idempotent: a primary that already holds the source's current rotation with its promotion
 * record needs nothing; one that holds the source's previous rotation as current (a restore
 * stopped between its two writes) is finished. A primary holding any other value is refused.
 */
export function planRestore(name: string, facts: SecretFacts, now: Date, from: TargetRef | undefined, actions: Action[], blocked: Blocker[]): void {
  const candidates = facts.targets.slice(1).filter((t) => t.snapshot?.exists && t.snapshot.owned && t.current?.rotationId)
  const source = from
    ? candidates.find((t) => t.target.store === from.store && t.target.path === from.path)
    : candidates.sort((a, b) => promotedTime(b) - promotedTime(a))[0]
  if (!source) {
    const what = from ? `${refText(from)} is not one of ${name}'s targets holding a rotor-owned value` : `no target of ${name} holds a rotor-owned value`
    blocked.push({
      secret: name,
      reason: `nothing to restore from: ${what}`,
      hint: from ? `pick one of: ${candidates.map((t) => refText(t.target)).join(', ') || '(none)'}` : 'restore the primary store from a backup, or mint a new value with `rotor apply --recreate`',
    })
    return
  }
  if (source.pending || facts.targets.some((t) => t.pending)) {
    blocked.push({secret: name, reason: 'a rotation is in flight on a target', hint: 'restore needs settled targets; restore the primary store from a backup'})
    return
  }
  const current = source.current!
  const inGrace = source.previous?.rotationId && (source.promotionUnrecorded || !source.graceEndsAt || source.graceEndsAt > now)
  const primary = facts.primary
  const recorded = primary.current && primary.snapshot?.meta.promotedVersion === primary.current.id
  if (primary.current?.rotationId && sameRotation(primary.current.rotationId, current.rotationId!) && recorded) return
  const halfDone =
    !primary.current ||
    (primary.current.rotationId !== undefined &&
      ((source.previous?.rotationId !== undefined && sameRotation(primary.current.rotationId, source.previous.rotationId)) ||
        sameRotation(primary.current.rotationId, current.rotationId!)))
  if (!halfDone) {
    blocked.push({
      secret: name,
      reason: `the primary ${refText(primary.target)} holds a value (version ${primary.current!.id}); restore only fills a primary that lost its value`,
      hint: 'run `rotor apply` to bring the other targets to the primary, or `rotor rollback` to go back',
    })
    return
  }
  actions.push({
    kind: 'restore',
    secret: name,
    from: source.target,
    current: {versionId: current.id, rotationId: current.rotationId!},
    ...(inGrace ? {previous: {versionId: source.previous!.id, rotationId: source.previous!.rotationId!}} : {}),
    ...(source.promotedAt ? {promotedAt: source.promotedAt.toISOString()} : {}),
    ...(source.graceEndsAt ? {graceEndsAt: source.graceEndsAt.toISOString()} : {}),
  })
}

const promotedTime = (t: TargetFacts): number => (t.promotedAt ?? t.current!.createdAt).getTime()
