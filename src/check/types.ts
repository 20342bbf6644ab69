import type {Orphan} from '../run/orphans.js'

export const SEVERITIES = ['info', 'warning', 'error'] as const
export type Severity = (typeof SEVERITIES)[number]

export const severityRank: Record<Severity, number> = {info: 0, warning: 1, error: 2}

/** One finding of `rotor check`. Names secrets, targets and versions; never a value or its hash. */
export interface Finding {
  check: CheckId
  severity: Severity
  secret?: string
  target?: string
  versionId?: string
  message: string
  hint?: string
}

export type CheckId =
  | 'shared-value'
  | 'max-age'
  | 'no-schedule'
  | 'weak-policy'
  | 'no-checksum'
  | 'foreign-version'
  | 'extra-versions'
  | 'unused'
  | 'unreadable'
  | 'orphan'

export interface CheckOptions {
  now: Date
  /** Policies with less entropy than this are reported (config already refuses < 128). */
  minEntropyBits: number
  /** Report secrets not read for this many days, where the store records reads. */
  unusedDays: number
  /** Rotor-owned secrets under the configured paths that the config no longer names. */
  orphans?: Orphan[]
}
