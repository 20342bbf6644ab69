/**
 * What the stores say about one secret, reduced to the facts the planner and `status` need.
 * Pure: no I/O, `now` is an argument.
 */
import type {SecretConfig, TargetRef} from '../config/types.js'
import type {Leftover, RotorMeta, SecretSnapshot, VersionInfo} from '../../providers/types.js'
import {rotationDue, type TickSource} from '../schedule/cron.js'
import type {TargetObservation} from './types.js'
import {sameRotation} from './drift.js'

export type TargetHealth = 'ok' | 'missing' | 'stale' | 'unowned' | 'error' | 'in-flight' | 'leftover'

export interface TargetFacts {
  target: TargetRef
  health: TargetHealth
  snapshot?: SecretSnapshot
  current?: VersionInfo
  /** The enabled previous version, valid until `graceEndsAt`. */
  previous?: VersionInfo
  pending?: VersionInfo
  /** Enabled versions with no role left (e.g. after two quick rotations): retire them. */
  strays: VersionInfo[]
  /** What a store call cut off between requests left on the current version: clean it up. */
  leftovers: Leftover[]
  /** When the current version was promoted, if rotor recorded it for this version. */
  promotedAt?: Date
  graceEndsAt?: Date
  /** True when rotor's promotion record does not match the current version. */
  promotionUnrecorded: boolean
  detail?: string
}

export type SecretHealth = 'missing' | 'ok' | 'due' | 'in-grace' | 'in-flight' | 'drift' | 'leftover' | 'blocked' | 'error'

/** A rotation the primary's meta says was started (written before anything else for emergencies). */
export interface RotationIntent {
  rotationId: string
  emergency: boolean
}

/** The lease a run holds on the secret while it changes it (meta on the primary). */
export interface LeaseFacts {
  owner: string
  expiresAt: string
}

export interface SecretFacts {
  name: string
  health: SecretHealth
  targets: TargetFacts[]
  primary: TargetFacts
  intent?: RotationIntent
  lease?: LeaseFacts
  /** Since when the primary's current version has been current. */
  currentSince?: Date
  /**
   * Since when the current value has been in use: its promotion, or for a version a rollback
   * made current again (older than the previous one it replaced), its creation, so AGE does not
   * restart at the rollback.
   */
  valueSince?: Date
  dueAt?: Date
  dueReason?: 'schedule' | 'max-age'
  graceEndsAt?: Date
}

export function observeTarget(observation: TargetObservation, primaryCurrent?: VersionInfo): TargetFacts {
  const {target, snapshot, error} = observation
  const empty = {target, strays: [], leftovers: [], promotionUnrecorded: false}
  if (error) return {...empty, health: 'error', detail: error.message}
  if (!snapshot?.exists) return {...empty, health: 'missing', snapshot}
  let current: VersionInfo | undefined
  let previous: VersionInfo | undefined
  let pending: VersionInfo | undefined
  const strays: VersionInfo[] = []
  for (const v of snapshot.versions) {
    if (!v.enabled || v.destroyed) continue
    if (v.role === 'current') current = v
    else if (v.role === 'previous') previous = v
    else if (v.role === 'pending') pending = v
    else strays.push(v)
  }
  const recorded = current !== undefined && snapshot.meta.promotedVersion === current.id
  const facts: TargetFacts = {
    target,
    health: 'ok',
    snapshot,
    current,
    previous,
    pending,
    strays,
    leftovers: current && snapshot.leftovers ? snapshot.leftovers.filter((l) => l.versionId === current.id) : [],
    promotedAt: recorded && snapshot.meta.promotedAt ? new Date(snapshot.meta.promotedAt) : undefined,
    graceEndsAt: recorded && snapshot.meta.graceEndsAt ? new Date(snapshot.meta.graceEndsAt) : undefined,
    // Without a record we cannot tell when grace began; a lone current version needs none.
    promotionUnrecorded: current !== undefined && !recorded && previous !== undefined,
  }
  // `facts` is this call's own object: set in place (the keys in the order a copy would have).
  if (!snapshot.owned) {
    facts.health = 'unowned'
    facts.detail = 'exists without the managed-by: rotor tag'
  } else if (pending) {
    facts.health = 'in-flight'
    facts.detail = `pending version ${pending.id}`
  } else if (primaryCurrent && isStale(current, primaryCurrent)) {
    facts.health = 'stale'
  } else if (facts.leftovers.length > 0) {
    facts.health = 'leftover'
    facts.detail = facts.leftovers.map((l) => l.detail).join('; ')
  }
  return facts
}

/**
 * Rotation ids prove two targets hold the same version. A primary version rotor did not write
 * (an adopted secret) has none, so lag cannot be proven from metadata: it counts as in sync until
 * the first rotation (`rotor diff` compares values).
 */
function isStale(current: VersionInfo | undefined, primaryCurrent: VersionInfo): boolean {
  if (!current) return true
  if (primaryCurrent.rotationId === undefined) return false
  return current.rotationId === undefined || !sameRotation(current.rotationId, primaryCurrent.rotationId)
}

export function observeSecret(secret: SecretConfig, observations: TargetObservation[], now: Date, ticks?: TickSource): SecretFacts {
  const primary = observeTarget(observations[0])
  const targets: TargetFacts[] = [primary]
  for (let i = 1; i < observations.length; i++) targets.push(observeTarget(observations[i], primary.current))
  const any = (health: TargetHealth) => targets.some((t) => t.health === health)
  // A fleet observes every secret: one object, set in place (with the keys in the order the
  // copies this replaced had), rather than a copy per step.
  const facts: SecretFacts = {name: secret.name, health: 'ok', targets, primary}
  metaFacts(primary.snapshot?.meta, facts)
  if (any('error')) return withHealth(facts, 'error')
  if (any('unowned') && !secret.adopt) return withHealth(facts, 'blocked')
  if (!primary.current) return withHealth(facts, 'missing')
  const currentSince = primary.promotedAt ?? primary.current.createdAt
  const due = rotationDue(secret, currentSince, ticks)
  const reinstated = primary.previous !== undefined && primary.current.createdAt < primary.previous.createdAt
  facts.currentSince = currentSince
  facts.valueSince = reinstated && primary.current.createdAt < currentSince ? primary.current.createdAt : currentSince
  facts.dueAt = due.dueAt
  facts.dueReason = due.reason
  facts.graceEndsAt = primary.graceEndsAt
  if (any('in-flight')) return withHealth(facts, 'in-flight')
  if (any('missing') || any('stale')) return withHealth(facts, 'drift')
  if (any('leftover')) return withHealth(facts, 'leftover')
  if (due.dueAt && due.dueAt <= now) return withHealth(facts, 'due')
  if (primary.previous && primary.graceEndsAt && primary.graceEndsAt > now) return withHealth(facts, 'in-grace')
  return facts
}

const withHealth = (facts: SecretFacts, health: SecretHealth): SecretFacts => {
  facts.health = health
  return facts
}

/** Meta keys rotor writes on the primary besides the promotion record. */
export const META = {
  rotationId: 'rotationId',
  emergency: 'rotationEmergency',
  leaseOwner: 'leaseOwner',
  leaseExpiresAt: 'leaseExpiresAt',
} as const

/** Sets the rotation intent and the lease the primary's meta records on `out`. */
function metaFacts(meta: RotorMeta | undefined, out: Pick<SecretFacts, 'intent' | 'lease'>): void {
  const rotationId = meta?.[META.rotationId]
  if (rotationId) out.intent = {rotationId, emergency: meta?.[META.emergency] === 'true'}
  const owner = meta?.[META.leaseOwner]
  const expiresAt = meta?.[META.leaseExpiresAt]
  if (owner && expiresAt) out.lease = {owner, expiresAt}
}
