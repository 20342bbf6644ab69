/**
 * The issuer contract. An issuer is the system that must accept a credential (a database, a cloud
 * IAM service, a partner's console behind a command), as opposed to a store, which only keeps it.
 * A rotation keeps old and new both accepted at the issuer for the grace window, as it already does
 * in the stores. The engine only ever sees these types; capabilities, not kind switches.
 *
 * The rotation with an issuer:
 *   generate (accepting issuer) or mint (minting issuer)
 *   -> accept at the issuer -> stage in the stores -> check + verify -> promote
 *   -> grace (old and new both accepted and both in the stores)
 *   -> retire in the stores and revoke at the issuer (deactivate, then delete after a second window
 *      where the issuer can deactivate).
 */
import type {z} from 'zod'
import type {DoctorCheck, PolicyDocument, ProviderContext, SecretValue} from '../types.js'

export interface IssuerCapabilities {
  /** Takes a value rotor generated with the secret's generator (a database password). */
  accepts: boolean
  /** Creates its own credential and hands it back (a cloud access key); exactly one of accepts/mints. */
  mints: boolean
  /**
   * Credentials of one binding that can be valid at once. 2 gives old and new a grace window
   * (alternating database roles, IAM's two keys); 1 means grace is zero (single-user mode).
   */
  maxValid: 1 | 2
  /** Revocation has a reversible first step (`deactivate`, then `reactivate` works) before `delete`. */
  deactivates: boolean
  /** `list` tells every credential of the binding (crash recovery can find one nobody recorded). */
  lists: boolean
}

/** One credential of a binding at the issuer. */
export interface IssuerCredential {
  /** The issuer's own name for it: a role name, an access key id, an id a command printed. */
  id: string
  /** `active`: accepted now. `inactive`: refused now but still there (can be reactivated or deleted). */
  state: 'active' | 'inactive'
  /** When the issuer created (or last set) it, where it tells. */
  createdAt?: Date
}

export interface IssueRequest {
  /** The rotation this credential belongs to; issuers that can, use it for idempotency. */
  rotationId: string
  /**
   * Credential ids the stores hold as current or still in grace: the issuer must keep them valid
   * and must not overwrite them. An accepting issuer with maxValid 2 writes the other slot.
   */
  keep: string[]
  /** The value rotor generated, for an accepting issuer; undefined for a minting one. */
  secret?: SecretValue
}

export interface Issued {
  /** The credential's id at the issuer (as `list` and `credentialId` report it). */
  id: string
  /**
   * The whole value to store, a structured value (`SecretValue.fromFields`): e.g.
   * `{username, password}` or `{accessKeyId, secretAccessKey}`. Every field is registered as a secret.
   */
  value: SecretValue
}

/** One issuer binding: one secret's credentials at one issuer. Every method is safe to retry. */
export interface IssuerClient {
  readonly issuerName: string
  readonly capabilities: IssuerCapabilities
  /**
   * The id the next `issue` with this `keep` will write, known before the call so the engine can
   * record its intent first (postgres: the role not kept). Undefined for a minting issuer, whose id
   * only exists once minted.
   */
  nextId(keep: string[]): string | undefined
  /** Every credential of the binding with its state (only when capabilities.lists; else []). */
  list(): Promise<IssuerCredential[]>
  /**
   * Accept `request.secret` (accepting issuer) or mint a new credential (minting issuer). Never
   * touches an id in `request.keep`. Leaves the new credential active. ConflictError when it cannot
   * without touching a kept one (IAM: two keys exist already and rotor owns neither), with a hint.
   */
  issue(request: IssueRequest): Promise<Issued>
  /**
   * Does this stored value authenticate at the issuer now? Resolves when it does; throws an
   * AuthError (refused) or UnavailableError (could not ask) otherwise. Never puts the value in a message.
   */
  check(value: SecretValue): Promise<void>
  /**
   * Make a credential stop working. `deactivate` is reversible (only when capabilities.deactivates;
   * otherwise it means `delete`); `delete` is final. Idempotent: a missing id is already revoked.
   */
  revoke(id: string, mode: 'deactivate' | 'delete'): Promise<void>
  /** Undo `deactivate` (a rollback inside the second window); only when capabilities.deactivates. */
  reactivate?(id: string): Promise<void>
  /** The credential id a stored value belongs to (its `username` / `accessKeyId` field). Pure. */
  credentialId(value: SecretValue): string
  /**
   * May rotor do what it needs here? One check per permission (connect, ALTER ROLE on each role,
   * iam:CreateAccessKey on the user), naming what is missing. Never changes a credential.
   */
  doctor(): Promise<DoctorCheck[]>
  close(): Promise<void>
}

export interface IssuerContext extends ProviderContext {
  /**
   * The current value of another rotor secret (an issuer's admin credential that rotor itself
   * rotates), read from that secret's primary. Absent outside the CLI.
   */
  secretValue?: (name: string) => Promise<SecretValue>
}

export interface IssuerPolicyInput {
  issuerName: string
  /** Issuer settings after parsing by the factory's schema. */
  settings: unknown
  /** Every secret bound to this issuer, with its binding after parsing. */
  bindings: Array<{secret: string; binding: unknown}>
}

/**
 * One per issuer kind. `settings`, `binding`, `capabilities` and `policy` never import the SDK or
 * client library; `create` does, with a dynamic `import()`, so a run loads only what it touches.
 */
export interface IssuerFactory<S = unknown, B = unknown> {
  readonly kind: string
  readonly summary: string
  /** The issuer's own settings under `issuers.<name>` (connection, admin credential, region). */
  readonly settings: z.ZodType<S>
  /** What a secret says under `issuer:` besides `name` (postgres roles, IAM user name, commands). */
  readonly binding: z.ZodType<B>
  /** The capabilities of one binding (postgres: maxValid 1 in single-user mode, 2 with two roles). */
  capabilities(binding: B): IssuerCapabilities
  /** The fields a stored value has (`username`, `password`), which `env` and `template` may name. */
  readonly fields: readonly string[]
  /** The field that holds the secret part (`password`, `secretAccessKey`). */
  readonly secretField: string
  /** What rotor needs at the issuer (SQL grants, IAM JSON). Pure: no SDK, no I/O. */
  policy?(input: IssuerPolicyInput): PolicyDocument
  create(issuerName: string, settings: S, binding: B, context: IssuerContext): Promise<IssuerClient>
}

/** What the contract's methods are, for decorators (retry, audit) that wrap each call. */
export const issuerMethods = ['list', 'issue', 'check', 'revoke', 'doctor'] as const
