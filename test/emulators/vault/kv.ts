/**
 * The KV secrets engine, versions 1 and 2, as the emulator serves it. The v2 semantics follow
 * hashicorp/vault-plugin-secrets-kv (path_data.go, path_metadata.go, path_delete.go,
 * path_destroy.go, AddVersion) and developer.hashicorp.com/vault/api-docs/secret/kv/kv-v2:
 * - `options.cas` unset: always written (unless cas_required on the mount or the key); `0`: only
 *   when current_version is 0; `N`: only when current_version is N. A mismatch is a 400 with
 *   "check-and-set parameter did not match the current version".
 * - a read of a soft-deleted or destroyed version is a 404 whose body still carries
 *   `data: null` and the version's metadata; a read of a missing key is a 404 with no data.
 * - delete/undelete/destroy skip unknown versions and succeed (204) on a missing key.
 * - max_versions (the larger of the key's and the mount's, else 10) prunes the oldest on write;
 *   oldest_version stays 0 until the first prune.
 * - custom_metadata: at most 64 keys, keys 1..128 bytes, values 1..512 bytes, printable; a POST
 *   replaces the map, a PATCH (merge-patch+json) merges it and a null removes a key. As in the
 *   plugin, a PATCH validates only the keys it sends.
 */
import {goDuration, parseCustomMetadata, parseDuration, validateCustomMetadata} from './kv-metadata.js'
import {listKeys} from './kv1.js'
import {data, envelope, errors, noContent, notFound, type Reply} from './reply.js'

export {KvV1Mount, listKeys} from './kv1.js'

export interface KvMountOptions {
  version: 1 | 2
  casRequired?: boolean
  maxVersions?: number
  /** Seconds; 0 = never. */
  deleteVersionAfter?: number
}

export interface KvRequest {
  /** GET, POST, PUT, PATCH, DELETE, or LIST (a GET with `?list=true` arrives as LIST). */
  method: string
  /** Path inside the mount, e.g. `data/app/key`. */
  subpath: string
  query: URLSearchParams
  body: Record<string, unknown>
  contentType: string
}

export interface VersionRecord {
  createdTime: Date
  deletionTime: Date | null
  destroyed: boolean
  /** Null once destroyed. */
  data: Record<string, unknown> | null
}

export interface KeyRecord {
  currentVersion: number
  oldestVersion: number
  createdTime: Date
  updatedTime: Date
  maxVersions: number
  casRequired: boolean
  deleteVersionAfter: number
  customMetadata: Record<string, string> | null
  versions: Map<number, VersionRecord>
}

const DEFAULT_MAX_VERSIONS = 10

export class KvV2Mount {
  readonly version = 2
  readonly keys = new Map<string, KeyRecord>()
  config: {maxVersions: number; casRequired: boolean; deleteVersionAfter: number}

  constructor(
    private readonly now: () => Date,
    options: KvMountOptions,
  ) {
    this.config = {
      maxVersions: options.maxVersions ?? 0,
      casRequired: options.casRequired ?? false,
      deleteVersionAfter: options.deleteVersionAfter ?? 0,
    }
  }

  /** Whether a POST is a `create` (key absent) or an `update`, for the policy check. */
  keyExists(subpath: string): boolean {
    const [, ...rest] = subpath.split('/')
    return this.keys.has(rest.join('/'))
  }

  handle(request: KvRequest): Reply {
    const slash = request.subpath.indexOf('/')
    const area = slash === -1 ? request.subpath : request.subpath.slice(0, slash)
    const key = slash === -1 ? '' : request.subpath.slice(slash + 1)
    if (area === 'config') return this.configure(request)
    if (area === 'metadata' && request.method === 'LIST') {
      const keys = listKeys(this.keys.keys(), key)
      return keys ? data({keys}) : notFound()
    }
    if (key === '' || key.endsWith('/')) return errors(405, ['unsupported path'])
    switch (`${area} ${request.method}`) {
      case 'data GET':
        return this.readData(key, request.query)
      case 'data POST':
      case 'data PUT':
        return this.writeData(key, request.body)
      case 'data DELETE':
        return this.deleteLatest(key)
      case 'delete POST':
      case 'delete PUT':
        return this.forVersions(key, request.body, (v) => {
          if (!v.destroyed && !this.isDeleted(v)) v.deletionTime = this.now()
        })
      case 'undelete POST':
      case 'undelete PUT':
        return this.forVersions(key, request.body, (v) => {
          if (!v.destroyed) v.deletionTime = null
        })
      case 'destroy POST':
      case 'destroy PUT':
        return this.forVersions(key, request.body, (v) => {
          v.destroyed = true
          v.data = null
        })
      case 'metadata GET':
        return this.readMetadata(key)
      case 'metadata POST':
      case 'metadata PUT':
        return this.writeMetadata(key, request.body)
      case 'metadata PATCH':
        return this.patchMetadata(key, request)
      case 'metadata DELETE':
        this.keys.delete(key)
        return noContent()
      default:
        return errors(405, ['unsupported operation'])
    }
  }

  private configure(request: KvRequest): Reply {
    if (request.method === 'GET') {
      return data({
        max_versions: this.config.maxVersions,
        cas_required: this.config.casRequired,
        delete_version_after: goDuration(this.config.deleteVersionAfter),
      })
    }
    const body = request.body
    if (body.max_versions !== undefined) this.config.maxVersions = Number(body.max_versions)
    if (body.cas_required !== undefined) this.config.casRequired = Boolean(body.cas_required)
    if (body.delete_version_after !== undefined) this.config.deleteVersionAfter = parseDuration(body.delete_version_after)
    return noContent()
  }

  private isDeleted(v: VersionRecord): boolean {
    return v.deletionTime !== null && v.deletionTime.getTime() <= this.now().getTime()
  }

  private versionMetadata(record: KeyRecord, n: number, v: VersionRecord) {
    return {
      version: n,
      created_time: v.createdTime.toISOString(),
      deletion_time: v.deletionTime ? v.deletionTime.toISOString() : '',
      destroyed: v.destroyed,
      custom_metadata: record.customMetadata,
    }
  }

  private readData(key: string, query: URLSearchParams): Reply {
    const record = this.keys.get(key)
    if (!record) return notFound()
    const requested = Number(query.get('version') ?? 0)
    const n = requested > 0 ? requested : record.currentVersion
    const version = record.versions.get(n)
    if (!version) return notFound()
    const metadata = this.versionMetadata(record, n, version)
    if (this.isDeleted(version) || version.destroyed || !version.data) {
      return {status: 404, body: envelope({data: {data: null, metadata}})}
    }
    return data({data: structuredClone(version.data), metadata})
  }

  private writeData(key: string, body: Record<string, unknown>): Reply {
    const payload = body.data
    if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return errors(400, ['no data provided'])
    const existing = this.keys.get(key)
    const now = this.now()
    const record: KeyRecord = existing ?? {
      currentVersion: 0,
      oldestVersion: 0,
      createdTime: now,
      updatedTime: now,
      maxVersions: 0,
      casRequired: false,
      deleteVersionAfter: 0,
      customMetadata: null,
      versions: new Map(),
    }
    const options = (body.options ?? {}) as Record<string, unknown>
    if (options.cas !== undefined && options.cas !== null) {
      const cas = Number(options.cas)
      if (!Number.isInteger(cas)) return errors(400, ['error parsing check-and-set parameter'])
      if (cas !== record.currentVersion) return errors(400, ['check-and-set parameter did not match the current version'])
    } else if (this.config.casRequired || record.casRequired) {
      return errors(400, ['check-and-set parameter required for this call'])
    }
    const after = record.deleteVersionAfter > 0 ? record.deleteVersionAfter : this.config.deleteVersionAfter
    const version: VersionRecord = {
      createdTime: now,
      deletionTime: after > 0 ? new Date(now.getTime() + after * 1000) : null,
      destroyed: false,
      data: structuredClone(payload as Record<string, unknown>),
    }
    record.currentVersion++
    record.versions.set(record.currentVersion, version)
    record.updatedTime = now
    if (!existing) this.keys.set(key, record)
    const limit = Math.max(record.maxVersions, this.config.maxVersions) || DEFAULT_MAX_VERSIONS
    if (record.currentVersion - record.oldestVersion >= limit) {
      const pruneThrough = record.currentVersion - limit
      for (let n = record.oldestVersion; n <= pruneThrough; n++) record.versions.delete(n)
      record.oldestVersion = pruneThrough + 1
    }
    const {version: _n, ...written} = this.versionMetadata(record, record.currentVersion, version)
    return data({version: record.currentVersion, ...written})
  }

  private deleteLatest(key: string): Reply {
    const record = this.keys.get(key)
    const latest = record?.versions.get(record.currentVersion)
    if (latest && !latest.destroyed && !this.isDeleted(latest)) latest.deletionTime = this.now()
    return noContent()
  }

  private forVersions(key: string, body: Record<string, unknown>, change: (v: VersionRecord) => void): Reply {
    const raw = body.versions
    const versions = (Array.isArray(raw) ? raw : typeof raw === 'string' || typeof raw === 'number' ? String(raw).split(',') : [])
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0)
    if (versions.length === 0) return errors(400, ['No version number provided'])
    const record = this.keys.get(key)
    if (!record) return noContent()
    for (const n of versions) {
      const version = record.versions.get(n)
      if (version) change(version)
    }
    return noContent()
  }

  private readMetadata(key: string): Reply {
    const record = this.keys.get(key)
    if (!record) return notFound()
    const versions: Record<string, unknown> = {}
    for (const [n, v] of record.versions) {
      versions[String(n)] = {
        created_time: v.createdTime.toISOString(),
        deletion_time: v.deletionTime ? v.deletionTime.toISOString() : '',
        destroyed: v.destroyed,
      }
    }
    return data({
      versions,
      current_version: record.currentVersion,
      oldest_version: record.oldestVersion,
      created_time: record.createdTime.toISOString(),
      updated_time: record.updatedTime.toISOString(),
      max_versions: record.maxVersions,
      cas_required: record.casRequired,
      delete_version_after: goDuration(record.deleteVersionAfter),
      custom_metadata: record.customMetadata ? {...record.customMetadata} : null,
    })
  }

  private writeMetadata(key: string, body: Record<string, unknown>): Reply {
    let custom: Record<string, string> | undefined
    if (body.custom_metadata !== undefined && body.custom_metadata !== null) {
      const parsed = parseCustomMetadata(body.custom_metadata, false)
      if (typeof parsed === 'string') return errors(400, [parsed])
      const problems = validateCustomMetadata(parsed)
      if (problems) return errors(400, [problems])
      custom = parsed
    }
    const now = this.now()
    const record: KeyRecord = this.keys.get(key) ?? {
      currentVersion: 0,
      oldestVersion: 0,
      createdTime: now,
      updatedTime: now,
      maxVersions: 0,
      casRequired: false,
      deleteVersionAfter: 0,
      customMetadata: null,
      versions: new Map(),
    }
    if (body.max_versions !== undefined) record.maxVersions = Number(body.max_versions)
    if (body.cas_required !== undefined) record.casRequired = Boolean(body.cas_required)
    if (body.delete_version_after !== undefined) record.deleteVersionAfter = parseDuration(body.delete_version_after)
    if (custom) record.customMetadata = custom
    this.keys.set(key, record)
    return noContent()
  }

  private patchMetadata(key: string, request: KvRequest): Reply {
    if (!request.contentType.startsWith('application/merge-patch+json')) {
      return errors(415, ['PATCH requires Content-Type application/merge-patch+json'])
    }
    const record = this.keys.get(key)
    if (!record) return notFound()
    const body = request.body
    if (body.custom_metadata !== undefined && body.custom_metadata !== null) {
      const sent = parseCustomMetadata(body.custom_metadata, true)
      if (typeof sent === 'string') return errors(400, [sent])
      const problems = validateCustomMetadata(sent)
      if (problems) return errors(400, [problems])
      const merged = {...record.customMetadata}
      for (const [k, v] of Object.entries(body.custom_metadata as Record<string, unknown>)) {
        if (v === null) delete merged[k]
        else merged[k] = String(v)
      }
      record.customMetadata = merged
    }
    if (body.max_versions !== undefined) record.maxVersions = Number(body.max_versions)
    if (body.cas_required !== undefined) record.casRequired = Boolean(body.cas_required)
    if (body.delete_version_after !== undefined) record.deleteVersionAfter = parseDuration(body.delete_version_after)
    return noContent()
  }
}
