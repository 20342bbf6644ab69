/**
 * The one rule for retiring a version: never inside its recorded grace window, except in an
 * emergency. Every planner path that plans `retire` (the previous version, strays, extra
 * versions in `sync`, copies another tool wrote over) asks `mayRetire`.
 *
 * A version has a recorded window when it is the target's previous version and the promotion
 * that demoted it is recorded (`graceEndsAt`), or when a write demoted an in-grace previous
 * version to no role (a repair, `--recreate`, `rotor restore`): the step then keeps that
 * version's window in `graceHeldVersion` / `graceHeldUntil` (see `heldGraceMeta`).
 */
import type {RotorMeta, VersionInfo} from '../../providers/types.js'
import type {TargetFacts} from './observe.js'

export const HELD_META = {version: 'graceHeldVersion', until: 'graceHeldUntil'} as const

/** When `version`'s window ends; `unrecorded` for a previous whose window never started. */
export function graceEndOf(t: TargetFacts, version: VersionInfo): Date | 'unrecorded' | undefined {
  if (version.id === t.previous?.id) {
    if (t.promotionUnrecorded || !t.graceEndsAt) return 'unrecorded'
    return t.graceEndsAt
  }
  const meta = t.snapshot?.meta
  if (meta?.[HELD_META.version] === version.id && meta[HELD_META.until]) return new Date(meta[HELD_META.until]!)
  return undefined
}

export function mayRetire(t: TargetFacts, version: VersionInfo, now: Date, emergency = false): boolean {
  if (emergency) return true
  const ends = graceEndOf(t, version)
  if (ends === 'unrecorded') return false
  return ends === undefined || ends <= now
}

/**
 * Meta that keeps the window of `t`'s previous version when a write is about to demote it to no
 * role while that window lasts; `{}` otherwise.
 */
export function heldGraceMeta(t: TargetFacts, now: Date): RotorMeta {
  if (!t.previous || !t.graceEndsAt || t.promotionUnrecorded || t.graceEndsAt <= now) return {}
  return {[HELD_META.version]: t.previous.id, [HELD_META.until]: t.graceEndsAt.toISOString()}
}
