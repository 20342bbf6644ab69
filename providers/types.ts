/**
 * The provider contract. The planner and engine only ever see these types; each adapter maps
 * its store's native notions (labels, aliases, enabled flags, version numbers) onto roles.
 * See DESIGN.md, "Roles per store".
 */
import type {z} from 'zod'
import type {Quotas} from './limits.js'
import {registerSecret} from '../src/redact/index.js'
import type {AuditInput} from '../src/audit/types.js'

export type Role = 'pending' | 'current' | 'previous' | 'retired'

export const MANAGED_BY_KEY = 'managed-by'
export const MANAGED_BY_VALUE = 'rotor'

export interface VersionInfo {
  /** The store's own version id (AWS VersionId, Vault version number as text, ...). */
  id: string
  createdAt: Date
  role: Role
  /** False once retired by disabling; a destroyed version is also not enabled. */
  enabled: boolean
  destroyed: boolean
  /** Id of the rotation that wrote this version, when rotor wrote it. */
  rotationId?: string
}

/**
 * rotor's own bookkeeping on a secret, kept in the store (tags, custom_metadata, annotations).
 * Values are short strings: Vault allows 512 bytes a value, Azure 256 a tag.
 */
export interface RotorMeta {
  /** Rotation currently in flight (staged, not yet promoted everywhere). */
  rotationId?: string
  /** When the current version was promoted (ISO 8601); grace is measured from here. */
  promotedAt?: string
  /** The version `promotedAt` and `graceEndsAt` belong to; stale when current moved since. */
  promotedVersion?: string
  /** When the previous version stops being valid (ISO 8601). */
  graceEndsAt?: string
  /** Free-form `key=value` pairs adapters may add; never a secret value. */
  [key: string]: string | undefined
}

export interface SecretSnapshot {
  path: string
  exists: boolean
  /** Carries `managed-by: rotor`. */
  owned: boolean
  /** Newest first. Destroyed versions may be listed with `destroyed: true`. */
  versions: VersionInfo[]
  meta: RotorMeta
  labels: Record<string, string>
  /** When any version was last read, where the store records it (AWS LastAccessedDate, day precision). */
  lastAccessedAt?: Date
  /**
   * What a store call cut off between its requests left behind that roles cannot express (AWS:
   * AWSPENDING still on the AWSCURRENT version). The planner turns each into a `clean-up` action,
   * which finishes the promotion of `versionId` (promote is idempotent and finishes its cleanup).
   */
  leftovers?: Leftover[]
}

export interface Leftover {
  /** The current version the leftover sits on. */
  versionId: string
  /** For plan and status: what is left, e.g. "AWSPENDING still on the current version". */
  detail: string
}

export interface Capabilities {
  /** Can hold a staged version that readers of "current" do not see (AWS, GCP, file, memory). */
  pendingStage: boolean
  /** Can disable one version and enable it again. */
  disableVersion: boolean
  /** Can destroy one version's value permanently. */
  destroyVersion: boolean
  /** Has a conditional write that detects a concurrent writer (label move, cas, etag). */
  compareAndSwap: boolean
  /** Most secrets one batch read can fetch; 1 when the store has no batch read. */
  batchReadSize: number
  maxValueBytes: number
  /**
   * The client implements BulkDescribing: a listing answers for many secrets per request, so
   * callers hand it every path of the store at once (not in chunks). Absent: one describe a path.
   */
  bulkDescribe?: boolean
}

export interface WriteOptions {
  /** Rotation id; adapters derive idempotency tokens / version ids from it. */
  rotationId: string
  /**
   * `pending`: stage without changing what readers of "current" see (only when
   * capabilities.pendingStage). `current`: the new version becomes current and the old current
   * becomes previous.
   */
  stage: 'pending' | 'current'
  /**
   * Version id rotor believes is current now; a store with compareAndSwap fails with
   * ConflictError when it is not. Undefined means "the secret must not exist yet".
   */
  expectedCurrent?: string
  /** Set the ownership tag and these labels when the write creates the secret. */
  labels?: Record<string, string>
  /** Meta to merge in the same call where the store allows it. */
  meta?: RotorMeta
}

export interface PromoteOptions {
  rotationId: string
  /** The pending version to make current. */
  versionId: string
  /** The version expected to be current now (becomes previous). */
  expectedCurrent?: string
}

export type VersionSelector = {role: Exclude<Role, 'retired'>} | {versionId: string}

/**
 * A secret value in memory. `toString`, `toJSON` and `inspect` redact it so it cannot slip into a
 * log line or JSON output by accident; `reveal()` is the one way to read it. Every value is
 * registered with the redactor (src/redact), so error text that echoes it is masked too.
 */
export class SecretValue {
  readonly #value: string
  constructor(value: string) {
    this.#value = value
    registerSecret(value)
  }

  /**
   * A structured value: a JSON object of string fields (`{"username": ..., "password": ...}`),
   * stored as JSON text where the store has no fields. Every field is registered with the redactor
   * on its own, so a field printed alone is masked too.
   */
  static fromFields(fields: Record<string, string>): SecretValue {
    for (const field of Object.values(fields)) registerSecret(field)
    return new SecretValue(JSON.stringify(fields))
  }

  /** The fields of a structured value; undefined when the value is not a JSON object of strings. */
  fields(): Record<string, string> | undefined {
    const text = this.#value
    if (!text.startsWith('{')) return undefined
    try {
      const parsed: unknown = JSON.parse(text)
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) return undefined
      const entries = Object.entries(parsed as Record<string, unknown>)
      if (!entries.every(([, v]) => typeof v === 'string')) return undefined
      for (const [, v] of entries) registerSecret(v as string)
      return Object.fromEntries(entries) as Record<string, string>
    } catch {
      return undefined
    }
  }

  reveal(): string {
    return this.#value
  }

  equals(other: SecretValue): boolean {
    return this.#value === other.#value
  }

  toString(): string {
    return '[redacted]'
  }

  toJSON(): string {
    return '[redacted]'
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return 'SecretValue([redacted])'
  }
}

/** One configured store. Every method is safe to retry after a retryable error. */
export interface StoreClient {
  readonly storeName: string
  readonly capabilities: Capabilities
  /** Versions, roles, ownership and meta; `exists: false` rather than NotFoundError. */
  describe(path: string): Promise<SecretSnapshot>
  /** Read a value by role or version id. NotFoundError when there is none; never a retired one. */
  readValue(path: string, selector: VersionSelector): Promise<SecretValue>
  /**
   * Write a new version (creating the secret, owned, when `expectedCurrent` is undefined).
   * Idempotent per (path, rotationId): repeating it with the same value returns the same version;
   * the same rotationId with another value is a ConflictError.
   */
  writeVersion(path: string, value: SecretValue, options: WriteOptions): Promise<VersionInfo>
  /**
   * pending -> current, current -> previous. An older previous loses its role (becomes `retired`)
   * but is not disabled here: the engine retires it explicitly, so nothing is invalidated early.
   */
  promote(path: string, options: PromoteOptions): Promise<void>
  /** Make a version invalid: disable it, or destroy it where capabilities allow. Idempotent. */
  retire(path: string, versionId: string, mode: 'disable' | 'destroy'): Promise<void>
  /** Merge keys into rotor's meta; a key set to undefined is removed. */
  setMeta(path: string, meta: RotorMeta): Promise<void>
  /** Set the ownership tag on an existing secret (explicit adoption). */
  adopt(path: string): Promise<void>
  /**
   * Can rotor reach the store with these credentials, and may it do what it needs on these
   * paths? One check per permission, naming what is missing. Never writes a secret.
   */
  doctor(paths: string[]): Promise<DoctorCheck[]>
  /** Paths under a prefix that this store holds. */
  list(prefix: string): Promise<string[]>
  close(): Promise<void>
}

/**
 * Optional extra of a StoreClient, for leak scanning only: the value of a retired version the
 * store still keeps (disabled, not destroyed). NotFoundError when the store no longer lets rotor
 * read it. Kept off StoreClient so the retry decorator's method table stays exhaustive.
 */
export interface RetiredValueReader {
  readRetiredValue(path: string, versionId: string): Promise<SecretValue>
}

export function readsRetired(client: StoreClient): client is StoreClient & RetiredValueReader {
  return typeof (client as Partial<RetiredValueReader>).readRetiredValue === 'function'
}

/**
 * Optional for a client (`rotor rollback`); test for it with `canReinstate`. Kept out of
 * StoreClient so code that maps over the contract's methods (providers/retrying.ts) is unchanged.
 */
export interface Reinstating {
  /**
   * Make an enabled, non-current, non-pending version current again; the current version becomes
   * previous and stays valid. ConflictError when the current version is not `expectedCurrent`. A
   * no-op when `versionId` is already current. Stores without it are rolled back by writing the
   * previous value as a new current version.
   */
  reinstate(path: string, versionId: string, expectedCurrent: string): Promise<void>
}

export const canReinstate = (client: StoreClient): client is StoreClient & Reinstating =>
  typeof (client as Partial<Reinstating>).reinstate === 'function'

/** One entry of a batch read: the value and the version it came from, or the error for that path. */
export interface BatchReadResult {
  path: string
  value?: SecretValue
  /** The version the value belongs to; compare it with the one you expected, it may have moved. */
  versionId?: string
  error?: Error
}

/**
 * Optional for a client: current values of many secrets in as few calls as the store allows (AWS
 * BatchGetSecretValue, up to `capabilities.batchReadSize` a call). Test for it with
 * `readsInBatches`; callers pass at most `batchReadSize` paths a call so one call is one request.
 */
export interface BatchReading {
  readMany(paths: string[]): Promise<BatchReadResult[]>
}

export const readsInBatches = (client: StoreClient): client is StoreClient & BatchReading =>
  typeof (client as Partial<BatchReading>).readMany === 'function'

/**
 * What a bulk describe answers per path: the same snapshot `describe` gives, or the error that
 * path alone met (one unreadable secret does not fail the others).
 */
export type DescribeResult = SecretSnapshot | Error

export interface DescribeManyOptions {
  /**
   * Runs each store request the bulk describe makes (a listing page, one secret's versions). The
   * store's decorators pass their retry and pacing here, so every request is retried and paced on
   * its own rather than the whole describe as one call.
   */
  call?: <T>(request: () => Promise<T>) => Promise<T>
}

/**
 * Optional for a client, advertised by `capabilities.bulkDescribe`: describe many paths with as few
 * requests as the store allows (AWS and GCP ListSecrets pages), each snapshot as exact as
 * `describe`'s; what a listing cannot tell is read per secret. Use `describePaths`
 * (providers/describe-many.ts), which falls back to one describe a path for every other store.
 */
export interface BulkDescribing {
  describeMany(paths: string[], options?: DescribeManyOptions): Promise<Map<string, DescribeResult>>
}

export const describesInBulk = (client: StoreClient): client is StoreClient & BulkDescribing =>
  client.capabilities.bulkDescribe === true && typeof (client as Partial<BulkDescribing>).describeMany === 'function'

export interface DoctorCheck {
  /** What was checked, e.g. "reach endpoint", "secretsmanager:PutSecretValue on payments/*". */
  check: string
  ok: boolean
  detail?: string
  /** What to do when not ok: the permission, role or setting that is missing. */
  hint?: string
}

export interface ProviderContext {
  /** Directory of the config file; relative paths in settings resolve against it. */
  baseDir: string
  env: NodeJS.ProcessEnv
  /** Time source for stores that stamp versions themselves (memory, file). */
  now: () => Date
  /** Tell the user something is risky (stderr in the CLI); never a secret value. */
  warn?: (message: string) => void
  /** rotor's audit log: a local store whose file is missing reads it to tell a lost store from a new one. */
  auditPath?: string
  /** The operator asked to re-create lost stores (`rotor restore`, `apply --recreate`). */
  createMissing?: boolean
  /**
   * The command's audit log, for a change a store makes on its own (the file store's migration
   * from v1): an intent before it, the outcome after. Absent outside the CLI (tests, libraries).
   */
  audit?: (entry: AuditInput) => Promise<{seq: number}>
}

/**
 * One per store kind. `settings` and `capabilities` must not import the SDK; `create` does, with
 * a dynamic `import()`, so a run loads only the SDKs of the stores it touches.
 */
/** The part of a factory a run needs: no settings schema, so opening a store loads no zod. */
export type ProviderRuntime<S = unknown> = Pick<ProviderFactory<S>, 'kind' | 'capabilities' | 'quotas' | 'create'>

export interface ProviderFactory<S = unknown> {
  readonly kind: string
  readonly summary: string
  readonly settings: z.ZodType<S>
  readonly capabilities: Capabilities
  /**
   * The store's documented request quotas, which rotor paces itself under; a function when
   * they depend on settings (Vault's are operator-defined). Default: unlimited, 8 in flight.
   */
  readonly quotas?: Quotas | ((settings: S) => Quotas)
  /** Extra checks on the target paths of this store; returns one message per bad path. */
  validatePaths?(paths: string[]): Array<{path: string; message: string}>
  /**
   * The least-privilege access rotor needs on exactly these paths (`readOnly`: what an
   * application that only reads the current value needs). Pure: no SDK, no I/O.
   */
  policy?(input: PolicyInput): PolicyDocument
  /**
   * The URLs the store's client talks to, for the transport check of `rotor doctor` (plain
   * http:// to another host). Pure: reads only settings and the environment.
   */
  endpoints?(settings: S, env: NodeJS.ProcessEnv): StoreEndpoint[]
  create(storeName: string, settings: S, context: ProviderContext): Promise<StoreClient>
}

export interface StoreEndpoint {
  /** Where the URL comes from: a setting (`address`) or a variable (`VAULT_ADDR`). */
  source: string
  url: string
  /** The store says `allowInsecureTransport: true`. */
  allowInsecure: boolean
}

export interface PolicyInput {
  storeName: string
  /** The store's settings after parsing by its schema. */
  settings: unknown
  paths: string[]
  /** Those of `paths` whose secret says `retire: destroy`: only they get destroy permissions. */
  destroyPaths?: string[]
  readOnly: boolean
}

export interface PolicyDocument {
  format: 'json' | 'hcl' | 'text'
  title: string
  document: string
  /** What to adjust before using it (an account id to fill in, a size limit); never a value. */
  notes?: string[]
}
