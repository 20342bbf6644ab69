import type {TargetRef} from '../config/types.js'
import type {SecretSnapshot} from '../../providers/types.js'
import type {IssuerCapabilities, IssuerCredential} from '../../providers/issuers/types.js'

/** What one run observed of a secret's issuer binding (on the primary's observation). */
export interface IssuerObservation {
  /** The issuer's name in `issuers`. */
  issuer: string
  capabilities?: IssuerCapabilities
  /** Every credential of the binding (only when capabilities.lists). */
  credentials?: IssuerCredential[]
  error?: {code: string; message: string; hint?: string}
  /**
   * `issue` calls of crashed runs that the audit log holds open while the primary does not exist
   * yet (a first creation: no meta to hold the intent), whose rotation no store holds. The engine
   * fills it from LogIndex.openIntents (src/engine/issuer.ts noteUnrecordedIssues).
   */
  unrecorded?: Array<{rotationId: string; at: string; seq: number; runId: string}>
}

/** What one run observed of one target; `error` when it could not be read. */
export interface TargetObservation {
  target: TargetRef
  snapshot?: SecretSnapshot
  error?: {code: string; message: string; hint?: string}
  /** On the primary of a secret with an issuer: what the issuer holds. */
  issuer?: IssuerObservation
}

/** Observations per secret name, targets in config order (the first is the primary). */
export type Inventory = Map<string, TargetObservation[]>

export type RotateReason = 'schedule' | 'max-age' | 'manual' | 'emergency'

export type Action =
  | {kind: 'adopt'; secret: string; target: TargetRef}
  | {kind: 'create'; secret: string; targets: TargetRef[]; /** Issued at this issuer first. */ issuer?: string}
  | {
      kind: 'rotate'
      secret: string
      /** The credential is issued (accepted or minted) at this issuer first, and checked there before promotion. */
      issuer?: string
      reason: RotateReason
      dueAt?: string
      emergency: boolean
      note?: string
      /** Finish this interrupted rotation with the value it already staged, instead of a new one. */
      resume?: string
    }
  | {
      kind: 'repair'
      secret: string
      target: TargetRef
      problem: 'missing' | 'stale'
      rotationId?: string
      /** Write this primary version first (`rotor sync`, while its grace window lasts), then the current one. */
      previous?: {versionId: string; rotationId?: string}
      /** The rotation id to write the copy under (see copyRotationId); default `rotationId`. */
      writeAs?: string
      /** Why, in the audit log, when not the usual repair (`rotor copy`). */
      reason?: string
    }
  | {
      kind: 'restore'
      secret: string
      /** The target whose owned versions go back on the primary. */
      from: TargetRef
      current: {versionId: string; rotationId: string}
      /** The source's previous version, restored too while its grace window lasts. */
      previous?: {versionId: string; rotationId: string}
      /** The source's promotion record, carried over so the grace window ends when it did. */
      promotedAt?: string
      graceEndsAt?: string
    }
  | {kind: 'record-promotion'; secret: string; target: TargetRef; versionId: string}
  /** Remove what a cut-off store call left on the current version (see SecretSnapshot.leftovers). */
  | {kind: 'clean-up'; secret: string; target: TargetRef; versionId: string; detail: string}
  | {kind: 'rollback-pending'; secret: string; target: TargetRef; versionId: string; rotationId?: string}
  | {kind: 'retire'; secret: string; target: TargetRef; versionId: string; mode: 'disable' | 'destroy'; graceEndedAt?: string}
  | {
      kind: 'rollback'
      secret: string
      /** The version each target will make current again (the primary's previous version). */
      toVersion: string
      /** The version that stops being current on the primary. */
      fromVersion: string
      /** When the window for rolling back ends; undefined when it was never recorded. */
      graceEndsAt?: string
    }

  /**
   * Make a credential stop working at the issuer: after its grace ended and the stores retired it
   * (`deactivate` where the issuer can, else `delete`), or `delete` once `deleteAfter` is over.
   */
  | {
      kind: 'revoke'
      secret: string
      issuer: string
      credentialId: string
      mode: 'deactivate' | 'delete'
      why: 'grace-ended' | 'delete-after' | 'before-rotation' | 'emergency'
    }
  /**
   * An issuer call an earlier run recorded (intent on the primary's meta) whose credential no store
   * holds: revoke what no store knows, clear the intent. A rotation is planned after it.
   */
  | {kind: 'issuer-recover'; secret: string; issuer: string; rotationId: string; revoke: string[]}

export type ActionKind = Action['kind']

/** Why nothing can be done for a secret (or one target) this run. */
export interface Blocker {
  secret: string
  target?: TargetRef
  reason: string
  hint?: string
}

/** A due rotation that waits, e.g. until the previous version's grace window is over. */
export interface Deferral {
  secret: string
  reason: string
  until?: string
}

export interface Plan {
  at: string
  actions: Action[]
  blocked: Blocker[]
  deferred?: Deferral[]
}

/** A forced rotation requested by `rotor rotate`. */
export interface ForcedRotation {
  emergency: boolean
  reason?: string
}

export interface PlanOptions {
  /** Secrets to rotate now whether due or not. */
  force?: Map<string, ForcedRotation>
  /** Secrets to roll back to their previous version (`rotor rollback`); nothing else is planned for them. */
  rollback?: Set<string>
  /**
   * Secrets the audit log shows a history for (read once per run by src/audit/history.ts): a
   * primary without a value then means it was lost, not that the secret is new.
   */
  history?: ReadonlySet<string>
  /** `apply --recreate`: mint a new value even over other targets' rotor-owned versions. */
  recreate?: boolean
  /** `rotor restore`: put the owned versions of a target (or the newest one) back on the primary. */
  restore?: Map<string, {from?: TargetRef}>
  /** Secrets whose versions may be retired inside their grace window (`--emergency`). */
  emergency?: ReadonlySet<string>
}

export const refText = (target: TargetRef): string => `${target.store}:${target.path}`
