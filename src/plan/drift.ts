/**
 * Drift: how far each target is from its primary. Pure, like the planner: it reads the observed
 * snapshots and, where rotation ids cannot prove two versions equal, fingerprints of their values
 * (HMACs under a per-run key, computed by the engine) that are passed in.
 *
 * - Equal rotation ids prove equal values without reading them.
 * - Different rotation ids prove different values: rotor mints a fresh value for every rotation
 *   id and refuses one equal to any version the primary holds.
 * - Without a rotation id on either side (an adopted secret, a value another tool wrote) only the
 *   values can tell: `valuesNeeded` lists the versions to read, `detectDrift` compares them.
 */
import type {SecretConfig, TargetRef} from '../config/types.js'
import type {VersionInfo} from '../../providers/types.js'
import {observeTarget, type TargetFacts} from './observe.js'
import type {TargetObservation} from './types.js'
import {mayRetire} from './grace.js'

export type DriftKind = 'missing' | 'stale' | 'previous-missing' | 'extra-versions' | 'unowned' | 'in-flight' | 'leftover' | 'error' | 'unknown'

/** Full HMAC-SHA-256 hex of a version's value, keyed by `versionKey`. */
export type Fingerprints = ReadonlyMap<string, string>

export const versionKey = (target: TargetRef, versionId: string): string => `${target.store}\u0000${target.path}\u0000${versionId}`

/** What output may show of a fingerprint: enough to tell values apart in one run, nothing more. */
export const shortFingerprint = (fingerprint: string): string => fingerprint.slice(0, 10)

export interface TargetDrift {
  target: TargetRef
  primary: boolean
  /** Empty when the target holds what it should. */
  drift: DriftKind[]
  currentVersion?: string
  /** How the current value was compared with the primary's. */
  proof?: 'rotation-id' | 'fingerprint'
  /** Short fingerprint of the current value, when this run read it. */
  fingerprint?: string
  /** Enabled versions that should have been retired (no role, or a previous past its grace). */
  extraVersions?: string[]
  detail?: string
}

export interface SecretDrift {
  name: string
  drift: boolean
  targets: TargetDrift[]
  /** Whether the primary's previous version is still within its grace window. */
  previousInGrace: boolean
}

interface Sides {
  primary: TargetFacts
  now: Date
  fingerprints: Fingerprints
}

/**
 * The versions whose values must be read to decide drift: only where a rotation id is missing on
 * either side of a comparison. The primary's current value is always part of a pair.
 */
export function valuesNeeded(
  secret: SecretConfig,
  observations: TargetObservation[],
  now: Date,
): Array<{target: TargetRef; versionId: string; current: boolean}> {
  const primary = observeTarget(observations[0])
  if (!primary.current || observations.some((o) => o.error)) return []
  const wanted = new Map<string, {target: TargetRef; versionId: string; current: boolean}>()
  const want = (target: TargetRef, version: VersionInfo) =>
    wanted.set(versionKey(target, version.id), {target, versionId: version.id, current: version.role === 'current'})
  const grace = previousInGrace(primary, now)
  for (const observation of observations.slice(1)) {
    const t = observeTarget(observation)
    if (!t.current || t.health === 'in-flight') continue
    if (t.health === 'unowned' && !secret.adopt) continue
    if (!idsDecide(primary.current, t.current)) {
      want(primary.target, primary.current)
      want(t.target, t.current)
    }
    if (!grace || !primary.previous) continue
    // With the previous value in grace: is the target's current or previous the primary's previous?
    for (const mine of [t.current, t.previous]) {
      if (mine && !idsDecide(primary.previous, mine)) {
        want(primary.target, primary.previous)
        want(t.target, mine)
      }
    }
  }
  return [...wanted.values()]
}

export function detectDrift(secret: SecretConfig, observations: TargetObservation[], now: Date, fingerprints: Fingerprints = new Map()): SecretDrift {
  const primary = observeTarget(observations[0])
  const sides: Sides = {primary, now, fingerprints}
  const targets = observations.map((o, i) => targetDrift(secret, observeTarget(o), i === 0, sides))
  return {name: secret.name, drift: targets.some((t) => t.drift.length > 0), targets, previousInGrace: previousInGrace(primary, now)}
}

function targetDrift(secret: SecretConfig, t: TargetFacts, isPrimary: boolean, {primary, now, fingerprints}: Sides): TargetDrift {
  const base: TargetDrift = {target: t.target, primary: isPrimary, drift: [], ...(t.current ? {currentVersion: t.current.id} : {})}
  const print = t.current ? fingerprints.get(versionKey(t.target, t.current.id)) : undefined
  if (print) base.fingerprint = shortFingerprint(print)
  if (t.health === 'error') return {...base, drift: ['error'], detail: t.detail}
  if (t.health === 'missing' || !t.current) return {...base, drift: ['missing']}
  const drift: DriftKind[] = []
  if (t.health === 'unowned') drift.push('unowned')
  if (t.pending) drift.push('in-flight')
  if (t.leftovers.length > 0) drift.push('leftover')
  const extra = extraVersions(t, now)
  if (extra.length > 0) drift.push('extra-versions')
  if (!isPrimary && primary.current) {
    const same = sameValue(primary.target, primary.current, t.target, t.current, fingerprints)
    if (same === undefined) {
      drift.push('unknown')
    } else if (!same) {
      drift.push('stale')
    } else if (previousInGrace(primary, now) && primary.previous && !holdsPrevious(t, primary, fingerprints)) {
      drift.push('previous-missing')
    }
    base.proof = idsDecide(primary.current, t.current) ? 'rotation-id' : 'fingerprint'
  }
  return {...base, drift, ...(extra.length > 0 ? {extraVersions: extra.map((v) => v.id)} : {})}
}

/** Retirable now: versions with no role and a previous version, each once its recorded grace is over (grace.ts). */
export function extraVersions(t: TargetFacts, now: Date): VersionInfo[] {
  const extra = [...t.strays]
  if (t.previous) extra.push(t.previous)
  return extra.filter((v) => mayRetire(t, v, now))
}

/**
 * The primary's previous version still protects consumers that have not reloaded: until its
 * recorded window ends, or indefinitely while the window was never recorded (it has not begun).
 */
export function previousInGrace(primary: TargetFacts, now: Date): boolean {
  if (!primary.previous) return false
  if (primary.promotionUnrecorded || !primary.graceEndsAt) return true
  return primary.graceEndsAt > now
}

/** True when the target's current or previous version is the primary's previous one. */
export function holdsPrevious(t: TargetFacts, primary: TargetFacts, fingerprints: Fingerprints): boolean {
  return [t.previous, t.current].some((v) => v !== undefined && sameValue(primary.target, primary.previous!, t.target, v, fingerprints) === true)
}

const idsDecide = (a: VersionInfo, b: VersionInfo): boolean => a.rotationId !== undefined && b.rotationId !== undefined

/**
 * A copy of a rotation's value that cannot reuse the rotation's own id carries `<id>-c<n>`: a
 * target that already holds that id as an older version (another tool wrote over it) would hand
 * the old version back, since writes are idempotent per rotation id, and most stores cannot make
 * an old version current again. Both ids name the same value.
 */
const COPY_SUFFIX = /-c\d+$/
export const sameRotation = (a: string, b: string): boolean => a.replace(COPY_SUFFIX, '') === b.replace(COPY_SUFFIX, '')

/** The id to write a copy of `rotationId` under on a target holding `versions`. */
export function copyRotationId(rotationId: string, versions: VersionInfo[]): string {
  const base = rotationId.replace(COPY_SUFFIX, '')
  const taken = versions.filter((v) => v.rotationId !== undefined && sameRotation(v.rotationId, base)).map((v) => v.rotationId!)
  if (!taken.includes(rotationId)) return rotationId
  const highest = Math.max(0, ...taken.map((id) => Number(/-c(\d+)$/.exec(id)?.[1] ?? 0)))
  return `${base}-c${highest + 1}`
}

/** Equal, different, or undefined when neither ids nor fingerprints can tell. */
export function sameValue(aTarget: TargetRef, a: VersionInfo, bTarget: TargetRef, b: VersionInfo, fingerprints: Fingerprints): boolean | undefined {
  if (idsDecide(a, b)) return sameRotation(a.rotationId!, b.rotationId!)
  const fa = fingerprints.get(versionKey(aTarget, a.id))
  const fb = fingerprints.get(versionKey(bTarget, b.id))
  if (fa === undefined || fb === undefined) return undefined
  return fa === fb
}
