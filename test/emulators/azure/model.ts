/**
 * The state of one emulated Key Vault (secrets only) and the rules the service applies to it.
 *
 * References followed (learn.microsoft.com/rest/api/keyvault/secrets, "About Azure Key Vault
 * secrets", the soft-delete overview) and behaviour reported against the real service:
 * - names match `^[0-9a-zA-Z-]{1,127}$` and are case-insensitive; the first spelling is kept;
 * - SetSecret (`PUT /secrets/{name}`) always adds a version with a 32-hex id, which becomes the
 *   latest at once; value at most 25 KiB, contentType at most 255 characters, at most 15 tags;
 * - `created`/`updated`/`nbf`/`exp` are whole seconds since the epoch;
 * - reading a disabled version (or a disabled latest) is 403 Forbidden, inner code
 *   SecretDisabled (Azure/azure-sdk-for-js#24756); `exp` and `nbf` are informational for
 *   secrets: a get outside the window still succeeds ("Date-time controlled operations");
 * - versions are listed in the natural order of their ids, not by time
 *   (nagyesta/lowkey-vault#467 mirrors the service);
 * - DELETE moves the whole secret to deletedsecrets; while it is there, SetSecret answers 409
 *   Conflict, inner ObjectIsDeletedButRecoverable (external-secrets#3519); recover brings every
 *   version back; right after a recover or a purge the name is briefly unusable, 409
 *   ObjectIsBeingRecovered / ObjectIsBeingDeleted "retry later" (Azure/azure-sdk-for-net#31581,
 *   #26027). Those lags are counted in requests here, so tests stay deterministic.
 */
import {randomUUID} from 'node:crypto'

export const NAME_PATTERN = /^[0-9a-zA-Z-]{1,127}$/
export const MAX_VALUE_BYTES = 25 * 1024
export const MAX_TAGS = 15
const MAX_TAG_NAME = 512
const MAX_TAG_VALUE = 512
const RECOVERABLE_DAYS = 90

/** An error the service would answer with: status, `error.code`, message and inner code. */
export class KvFault extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly inner?: string,
  ) {
    super(message)
  }
}

export interface StoredVersion {
  id: string
  value: string
  contentType?: string
  enabled: boolean
  nbf?: number
  exp?: number
  created: number
  updated: number
  tags: Record<string, string>
}

export interface StoredSecret {
  name: string
  /** Oldest first: the last one is what `GET /secrets/{name}` resolves. */
  versions: StoredVersion[]
}

interface DeletedSecret {
  secret: StoredSecret
  deletedDate: number
  scheduledPurgeDate: number
}

export interface AttributesInput {
  enabled?: boolean
  nbf?: number | null
  exp?: number | null
}

export interface SetInput {
  value: string
  contentType?: string
  attributes?: AttributesInput
  tags?: Record<string, string>
}

export interface UpdateInput {
  contentType?: string
  attributes?: AttributesInput
  tags?: Record<string, string>
}

export interface ModelOptions {
  now: () => number
  /** Reads of a just-recovered secret answered 404 before it shows (the SDK poller waits). */
  recoveryLag: number
  /** SetSecret calls answered 409 ObjectIsBeingDeleted after a purge. */
  purgeLag: number
}

const key = (name: string) => name.toLowerCase()

export class VaultModel {
  readonly secrets = new Map<string, StoredSecret>()
  readonly deleted = new Map<string, DeletedSecret>()
  private readonly recovering = new Map<string, number>()
  private readonly purging = new Map<string, number>()

  constructor(private readonly options: ModelOptions) {}

  set(name: string, input: SetInput): {secret: StoredSecret; version: StoredVersion} {
    this.checkName(name)
    if (typeof input.value !== 'string') throw new KvFault(400, 'BadParameter', 'Property value is required.')
    if (Buffer.byteLength(input.value) > MAX_VALUE_BYTES) {
      throw new KvFault(400, 'BadParameter', `Secret value is too large. Maximum allowed size is ${MAX_VALUE_BYTES} bytes.`)
    }
    if (input.contentType !== undefined && input.contentType.length > 255) {
      throw new KvFault(400, 'BadParameter', 'Property contentType is too long. The maximum length is 255 characters.')
    }
    this.checkTags(input.tags)
    const k = key(name)
    if (this.deleted.has(k)) {
      throw new KvFault(
        409,
        'Conflict',
        `Secret ${this.deleted.get(k)!.secret.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
        'ObjectIsDeletedButRecoverable',
      )
    }
    if (this.lagging(this.purging, k)) {
      throw new KvFault(409, 'Conflict', `Secret ${name} is currently being deleted and cannot be re-created; retry later.`, 'ObjectIsBeingDeleted')
    }
    if (this.lagging(this.recovering, k)) {
      throw new KvFault(409, 'Conflict', `Secret ${name} is currently being recovered and cannot be re-created; retry later.`, 'ObjectIsBeingRecovered')
    }
    const now = this.seconds()
    let secret = this.secrets.get(k)
    if (!secret) {
      secret = {name, versions: []}
      this.secrets.set(k, secret)
    }
    const version: StoredVersion = {
      id: randomUUID().replaceAll('-', ''),
      value: input.value,
      enabled: input.attributes?.enabled ?? true,
      created: now,
      updated: now,
      tags: {...input.tags},
      ...(input.contentType !== undefined ? {contentType: input.contentType} : {}),
      ...(typeof input.attributes?.nbf === 'number' ? {nbf: input.attributes.nbf} : {}),
      ...(typeof input.attributes?.exp === 'number' ? {exp: input.attributes.exp} : {}),
    }
    secret.versions.push(version)
    return {secret, version}
  }

  /** A version to read its value: 404 when missing, 403 SecretDisabled when disabled. */
  read(name: string, versionId?: string): {secret: StoredSecret; version: StoredVersion} {
    const found = this.find(name, versionId)
    if (!found.version.enabled) {
      throw new KvFault(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.', 'SecretDisabled')
    }
    return found
  }

  find(name: string, versionId?: string): {secret: StoredSecret; version: StoredVersion} {
    const secret = this.live(name)
    const version = versionId ? secret.versions.find((v) => v.id === versionId) : secret.versions.at(-1)
    if (!version) throw notFound(versionId ? `${name}/${versionId}` : name)
    return {secret, version}
  }

  /** Versions in the order the service lists them: by id. */
  versions(name: string): {secret: StoredSecret; versions: StoredVersion[]} {
    const secret = this.live(name)
    return {secret, versions: [...secret.versions].sort((a, b) => a.id.localeCompare(b.id))}
  }

  update(name: string, versionId: string | undefined, input: UpdateInput): {secret: StoredSecret; version: StoredVersion} {
    const found = this.find(name, versionId)
    const {version} = found
    if (input.tags !== undefined) {
      this.checkTags(input.tags)
      version.tags = {...input.tags}
    }
    if (input.contentType !== undefined) version.contentType = input.contentType
    const attributes = input.attributes ?? {}
    if (attributes.enabled !== undefined) version.enabled = attributes.enabled
    if (attributes.nbf !== undefined) applyDate(version, 'nbf', attributes.nbf)
    if (attributes.exp !== undefined) applyDate(version, 'exp', attributes.exp)
    version.updated = this.seconds()
    return found
  }

  /** Live secrets, sorted by name, for `GET /secrets`. */
  list(): StoredSecret[] {
    return [...this.secrets.values()].filter((s) => !this.lagging(this.recovering, key(s.name), false)).sort((a, b) => a.name.localeCompare(b.name))
  }

  delete(name: string): DeletedSecret {
    const secret = this.live(name)
    const now = this.seconds()
    const entry = {secret, deletedDate: now, scheduledPurgeDate: now + RECOVERABLE_DAYS * 86_400}
    this.secrets.delete(key(name))
    this.deleted.set(key(name), entry)
    return entry
  }

  getDeleted(name: string): DeletedSecret {
    const entry = this.deleted.get(key(name))
    if (!entry) throw new KvFault(404, 'SecretNotFound', `Deleted Secret not found: ${name}`)
    return entry
  }

  listDeleted(): DeletedSecret[] {
    return [...this.deleted.values()].sort((a, b) => a.secret.name.localeCompare(b.secret.name))
  }

  recover(name: string): StoredSecret {
    const entry = this.getDeleted(name)
    this.deleted.delete(key(name))
    this.secrets.set(key(name), entry.secret)
    if (this.options.recoveryLag > 0) this.recovering.set(key(name), this.options.recoveryLag)
    return entry.secret
  }

  purge(name: string): void {
    this.getDeleted(name)
    this.deleted.delete(key(name))
    if (this.options.purgeLag > 0) this.purging.set(key(name), this.options.purgeLag)
  }

  private live(name: string): StoredSecret {
    this.checkName(name)
    const k = key(name)
    const secret = this.secrets.get(k)
    if (!secret || this.lagging(this.recovering, k)) throw notFound(name)
    return secret
  }

  /** True while a lag counter runs; each call spends one unless `spend` is false. */
  private lagging(counters: Map<string, number>, k: string, spend = true): boolean {
    const left = counters.get(k) ?? 0
    if (left <= 0) return false
    if (spend) {
      if (left === 1) counters.delete(k)
      else counters.set(k, left - 1)
    }
    return true
  }

  private checkName(name: string): void {
    if (!NAME_PATTERN.test(name)) {
      throw new KvFault(400, 'BadParameter', `The request URI contains an invalid name: ${name}`)
    }
  }

  private checkTags(tags: Record<string, string> | undefined): void {
    const entries = Object.entries(tags ?? {})
    if (entries.length > MAX_TAGS) throw new KvFault(400, 'BadParameter', `Too many tags: ${entries.length}; at most ${MAX_TAGS} are allowed.`)
    for (const [name, value] of entries) {
      if (name.length > MAX_TAG_NAME || typeof value !== 'string' || value.length > MAX_TAG_VALUE) {
        throw new KvFault(400, 'BadParameter', `Tag ${name.slice(0, 40)} is invalid: names and values are strings of at most 512 characters.`)
      }
    }
  }

  private seconds(): number {
    return Math.floor(this.options.now() / 1000)
  }
}

function applyDate(version: StoredVersion, field: 'nbf' | 'exp', value: number | null): void {
  if (value === null) delete version[field]
  else version[field] = value
}

function notFound(what: string): KvFault {
  return new KvFault(
    404,
    'SecretNotFound',
    `A secret with (name/id) ${what} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  )
}

export const RECOVERY_LEVEL = 'Recoverable+Purgeable'
export {RECOVERABLE_DAYS}
