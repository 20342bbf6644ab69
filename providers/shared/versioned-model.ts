/**
 * The store semantics shared by the `memory` and `file` providers: a plain data structure with
 * native roles, and the operations of the contract on it. `memory` keeps it in a variable;
 * `file` loads it from, and saves it to, an encrypted file under a lock.
 */
import {ConflictError, InvalidRequestError, NotFoundError, NotOwnedError} from '../../src/errors/index.js'
import {
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  type PromoteOptions,
  type Role,
  type RotorMeta,
  SecretValue,
  type SecretSnapshot,
  type VersionInfo,
  type VersionSelector,
  type WriteOptions,
} from '../types.js'

export interface StoredVersion {
  id: string
  createdAt: string
  role: Role
  enabled: boolean
  destroyed: boolean
  rotationId?: string
  /** Absent once destroyed. */
  value?: string
}

export interface StoredSecret {
  labels: Record<string, string>
  meta: Record<string, string>
  /** Oldest first. */
  versions: StoredVersion[]
  nextVersion: number
}

export interface StoreData {
  format: 1
  secrets: Record<string, StoredSecret>
}

export const emptyStoreData = (): StoreData => ({format: 1, secrets: {}})

export class VersionedModel {
  constructor(
    private readonly data: StoreData,
    private readonly storeName: string,
    private readonly now: () => Date,
  ) {}

  describe(path: string): SecretSnapshot {
    const secret = this.data.secrets[path]
    return snapshotOf(path, secret && {...secret, meta: {...secret.meta}, labels: {...secret.labels}})
  }

  readValue(path: string, selector: VersionSelector): SecretValue {
    const secret = this.require(path)
    const version =
      'versionId' in selector
        ? secret.versions.find((v) => v.id === selector.versionId)
        : secret.versions.find((v) => v.role === selector.role)
    const what = 'versionId' in selector ? `version ${selector.versionId}` : `${selector.role} version`
    if (!version) throw new NotFoundError(`${this.ref(path)} has no ${what}`, {store: this.storeName, ref: this.ref(path)})
    if (!version.enabled || version.value === undefined) {
      throw new NotFoundError(`${this.ref(path)} ${what} is retired and cannot be read`, {
        store: this.storeName,
        ref: this.ref(path),
      })
    }
    return new SecretValue(version.value)
  }

  /** A disabled (not destroyed) version's value, for leak scanning. */
  readRetiredValue(path: string, versionId: string): SecretValue {
    const version = this.require(path).versions.find((v) => v.id === versionId)
    if (!version || version.value === undefined) {
      throw new NotFoundError(`${this.ref(path)} has no readable version ${versionId}`, {store: this.storeName, ref: this.ref(path)})
    }
    return new SecretValue(version.value)
  }

  writeVersion(path: string, value: SecretValue, options: WriteOptions): VersionInfo {
    const existing = this.data.secrets[path]
    const same = existing?.versions.find((v) => v.rotationId === options.rotationId)
    if (existing && same) {
      // A retried write of the same rotation: a no-op when the value matches, else a conflict.
      if (same.value !== value.reveal()) {
        throw new ConflictError(`${this.ref(path)} already has a different value for rotation ${options.rotationId}`, {
          store: this.storeName,
          ref: this.ref(path),
        })
      }
      return versionInfo(same)
    }
    if (!existing) {
      if (options.expectedCurrent !== undefined) {
        throw new ConflictError(`${this.ref(path)} was expected to exist with current version ${options.expectedCurrent}`, {
          store: this.storeName,
          ref: this.ref(path),
        })
      }
      this.data.secrets[path] = {
        labels: {...options.labels, [MANAGED_BY_KEY]: MANAGED_BY_VALUE},
        meta: {},
        versions: [],
        nextVersion: 1,
      }
    } else {
      this.requireOwned(path, existing)
      const current = existing.versions.find((v) => v.role === 'current')
      if (current?.id !== options.expectedCurrent) {
        throw new ConflictError(
          `${this.ref(path)} changed since it was read: current is ${current?.id ?? 'none'}, expected ${options.expectedCurrent ?? 'no secret'}`,
          {store: this.storeName, ref: this.ref(path), retryable: false},
        )
      }
    }
    const secret = this.data.secrets[path]!
    if (options.stage === 'pending') {
      // Like AWSPENDING, the label moves: an abandoned pending version is superseded and disabled.
      for (const v of secret.versions) if (v.role === 'pending') Object.assign(v, {role: 'retired', enabled: false})
    } else {
      this.shiftRoles(secret)
    }
    const version: StoredVersion = {
      id: String(secret.nextVersion++),
      createdAt: this.now().toISOString(),
      role: options.stage === 'pending' ? 'pending' : 'current',
      enabled: true,
      destroyed: false,
      rotationId: options.rotationId,
      value: value.reveal(),
    }
    secret.versions.push(version)
    if (options.meta) this.mergeMeta(secret, options.meta)
    return versionInfo(version)
  }

  promote(path: string, options: PromoteOptions): void {
    const secret = this.require(path)
    this.requireOwned(path, secret)
    const target = secret.versions.find((v) => v.id === options.versionId)
    if (!target) throw new NotFoundError(`${this.ref(path)} has no version ${options.versionId}`, {store: this.storeName})
    if (target.role === 'current') return
    if (target.role !== 'pending' || !target.enabled) {
      throw new InvalidRequestError(`${this.ref(path)} version ${options.versionId} is ${target.role}, not pending`, {
        store: this.storeName,
        ref: this.ref(path),
      })
    }
    const current = secret.versions.find((v) => v.role === 'current')
    if (current?.id !== options.expectedCurrent) {
      throw new ConflictError(
        `${this.ref(path)}: current is ${current?.id ?? 'none'}, expected ${options.expectedCurrent ?? 'none'}; another writer moved it`,
        {store: this.storeName, ref: this.ref(path)},
      )
    }
    this.shiftRoles(secret)
    target.role = 'current'
  }

  reinstate(path: string, versionId: string, expectedCurrent: string): void {
    const secret = this.require(path)
    this.requireOwned(path, secret)
    const target = secret.versions.find((v) => v.id === versionId)
    if (!target) throw new NotFoundError(`${this.ref(path)} has no version ${versionId}`, {store: this.storeName})
    if (target.role === 'current') return
    if (target.role === 'pending' || !target.enabled || target.value === undefined) {
      throw new InvalidRequestError(`${this.ref(path)} version ${versionId} is ${target.enabled ? target.role : 'retired'} and cannot be reinstated`, {
        store: this.storeName,
        ref: this.ref(path),
      })
    }
    const current = secret.versions.find((v) => v.role === 'current')
    if (current?.id !== expectedCurrent) {
      throw new ConflictError(`${this.ref(path)}: current is ${current?.id ?? 'none'}, expected ${expectedCurrent}; another writer moved it`, {
        store: this.storeName,
        ref: this.ref(path),
      })
    }
    // The demoted version keeps working as previous; any other previous loses its role only.
    for (const v of secret.versions) if (v.role === 'previous') v.role = 'retired'
    if (current) current.role = 'previous'
    target.role = 'current'
  }

  retire(path: string, versionId: string, mode: 'disable' | 'destroy'): void {
    const secret = this.require(path)
    this.requireOwned(path, secret)
    const version = secret.versions.find((v) => v.id === versionId)
    if (!version) throw new NotFoundError(`${this.ref(path)} has no version ${versionId}`, {store: this.storeName})
    if (version.role === 'current') {
      throw new InvalidRequestError(`refusing to retire ${this.ref(path)} version ${versionId}: it is current`, {
        store: this.storeName,
        ref: this.ref(path),
      })
    }
    version.role = 'retired'
    version.enabled = false
    if (mode === 'destroy') {
      version.destroyed = true
      delete version.value
    }
  }

  setMeta(path: string, meta: RotorMeta): void {
    const secret = this.require(path)
    this.requireOwned(path, secret)
    this.mergeMeta(secret, meta)
  }

  adopt(path: string): void {
    this.require(path).labels[MANAGED_BY_KEY] = MANAGED_BY_VALUE
  }

  list(prefix: string): string[] {
    return Object.keys(this.data.secrets)
      .filter((p) => p.startsWith(prefix))
      .sort()
  }

  /** Test seam: put a secret that rotor does not own (as another tool would have). */
  putForeign(path: string, value: string): void {
    this.data.secrets[path] = {
      labels: {},
      meta: {},
      versions: [{id: '1', createdAt: this.now().toISOString(), role: 'current', enabled: true, destroyed: false, value}],
      nextVersion: 2,
    }
  }

  private shiftRoles(secret: StoredSecret): void {
    for (const v of secret.versions) {
      if (v.role === 'previous') v.role = 'retired'
      else if (v.role === 'current') v.role = 'previous'
    }
  }

  private mergeMeta(secret: StoredSecret, meta: RotorMeta): void {
    for (const [key, value] of Object.entries(meta)) {
      if (value === undefined) delete secret.meta[key]
      else secret.meta[key] = value
    }
  }

  private require(path: string): StoredSecret {
    const secret = this.data.secrets[path]
    if (!secret) throw new NotFoundError(`${this.ref(path)} does not exist`, {store: this.storeName, ref: this.ref(path)})
    return secret
  }

  private requireOwned(path: string, secret: StoredSecret): void {
    if (secret.labels[MANAGED_BY_KEY] !== MANAGED_BY_VALUE) {
      throw new NotOwnedError(`${this.ref(path)} exists but is not managed by rotor`, {
        store: this.storeName,
        ref: this.ref(path),
        hint: 'set `adopt: true` on the secret in rotor.yaml to let rotor take it over',
      })
    }
  }

  private ref(path: string): string {
    return `${this.storeName}:${path}`
  }
}

/** A version as `describe` shows it. */
function versionInfo(v: Omit<StoredVersion, 'value'>): VersionInfo {
  const info: VersionInfo = {id: v.id, createdAt: new Date(v.createdAt), role: v.role, enabled: v.enabled, destroyed: v.destroyed}
  // Set, not spread from a temporary object: a fleet's read makes one per version.
  if (v.rotationId) info.rotationId = v.rotationId
  return info
}

/**
 * What `describe` answers for a secret (undefined: there is none). Its `meta` and `labels` are
 * the secret's own objects: pass copies unless nothing else holds them (a record just read).
 */
export function snapshotOf(path: string, secret: Omit<StoredSecret, 'versions'> & {versions: Array<Omit<StoredVersion, 'value'>>} | undefined): SecretSnapshot {
  if (!secret) return {path, exists: false, owned: false, versions: [], meta: {}, labels: {}}
  return {
    path,
    exists: true,
    owned: secret.labels[MANAGED_BY_KEY] === MANAGED_BY_VALUE,
    versions: secret.versions.map(versionInfo).reverse(),
    meta: secret.meta,
    labels: secret.labels,
  }
}
