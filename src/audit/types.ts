import type {TargetRef} from '../config/types.js'

/** What happened to a secret. Free text so new commands need no change here; keep it short. */
export type AuditAction =
  | 'create'
  | 'stage'
  | 'promote'
  | 'retire'
  | 'disable'
  | 'destroy'
  | 'rollback'
  | 'adopt'
  | 'sync'
  | (string & {})

/**
 * `intent` is written before a store-changing call; `ok` / `failed` after it (with `intent` naming
 * the intent's seq). Logs written before intents existed hold only `ok` and `failed`.
 */
export type AuditOutcome = 'intent' | 'ok' | 'failed'

/** Either the list of version ids touched, or the move from one version to another. */
export type AuditVersionIds = string[] | {from?: string; to?: string}

/**
 * What a caller records about one state change. There is deliberately no field that could hold
 * a secret value: only names, paths and version ids. Extra fields are rejected at run time too.
 */
export interface AuditInput {
  /** Secret name from rotor.yaml. */
  secret: string
  /** The store the change was made in, as `store:path` (or a TargetRef, written as `store:path`). */
  target?: string | TargetRef
  action: AuditAction
  versionIds?: AuditVersionIds
  rotationId?: string
  /** Why: `schedule`, `max-age`, `manual`, `leak`, ... */
  reason?: string
  outcome: AuditOutcome
  /** Error message when `outcome` is `failed`; RotorError messages never contain secret values. */
  error?: string
  /** For an outcome: the seq of the intent entry it completes. */
  intent?: number
  /** For an outcome written by a later run (an intent a crashed run left open): that run's id. */
  intentRunId?: string
}

/** One line of the audit log, in the order its keys are written. */
export interface AuditEntry {
  /** 1 for the first entry, then +1 per entry. */
  seq: number
  /** ISO 8601 time of the append. */
  time: string
  user: string
  host: string
  pid: number
  runId: string
  secret: string
  /** `store:path`. */
  target?: string
  action: string
  versionIds?: AuditVersionIds
  rotationId?: string
  reason?: string
  outcome: AuditOutcome
  error?: string
  intent?: number
  intentRunId?: string
  /** SHA-256 (hex) of the previous line's exact bytes without its newline; 64 zeros for the first. */
  prev: string
  /**
   * `hmac-sha256:<hex>`: the HMAC-SHA-256, under the log's audit key, of this line as written
   * without `mac`. Absent on entries of logs written before keyed chains; once a log has a keyed
   * entry every later entry is keyed.
   */
  mac?: string
}

export interface AuditLogOptions {
  /** Default: os.userInfo().username, else $USER, else `unknown`. */
  user?: string
  /** Default: os.hostname(). */
  host?: string
  /** Default: the rotor clock (src/clock.ts). */
  now?: () => Date
  /** Identifies this rotor invocation in every entry; default a random UUID. */
  runId?: string
  /** How long to wait for `<path>.lock` before failing with LockedError; default 5000 ms. */
  lockTimeoutMs?: number
  /** Environment for the audit key (ROTOR_AUDIT_KEY, ROTOR_AUDIT_KEY_FILE, rotorUserDir); default process.env. */
  env?: NodeJS.ProcessEnv
  /** Key file to use instead of the default one in rotorUserDir(). */
  keyFile?: string
  /** Told once when a new audit key is created; default a line on stderr. */
  note?: (message: string) => void
}

export interface AuditProblem {
  /** 1-based line number in the file. */
  line: number
  /** The entry's seq, when the line could be parsed. */
  seq?: number
  message: string
}

export interface AuditVerifyResult {
  ok: boolean
  /** Lines that parsed as entries. */
  entries: number
  /** Entries that carry an HMAC. */
  keyed: number
  problems: AuditProblem[]
  /** SHA-256 (hex) of the last line; record it elsewhere to detect a deleted tail later. */
  head?: string
  /** seq of the last entry. */
  lastSeq?: number
  /** Each anchor checked (from the stores' metadata, or --expect-head), and what was wrong with it. */
  anchors: AnchorCheck[]
}

/** Where an anchor was read (`secret` and `store:path`, or `--expect-head`) and what it says. */
export interface Anchor {
  source: string
  seq: number
  head: string
  /** Key id of the log that wrote it; absent for --expect-head. */
  log?: string
}

export interface AnchorCheck extends Anchor {
  ok: boolean
  problem?: string
  /** Written by another log (another runner's, or one whose key was replaced): not checked. */
  otherLog?: boolean
}
