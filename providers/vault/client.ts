/**
 * The Vault KV v2 store through node-vault. Roles (DESIGN.md): every write is a new version,
 * current at once (no pending stage); previous = current_version - 1; retired = soft-deleted
 * or destroyed, or older. Writes carry `options.cas`, so a concurrent writer makes rotor's write
 * fail with ConflictError instead of being overwritten. rotor's state lives in custom_metadata
 * (layout.ts); metadata writes have no CAS in Vault, so rotor sends merge patches of only the
 * keys it changes.
 */
import {ConflictError, InvalidRequestError, NotFoundError, NotOwnedError} from '../../src/errors/index.js'
import {
  type DoctorCheck,
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  type PromoteOptions,
  type ProviderContext,
  type RotorMeta,
  SecretValue,
  type SecretSnapshot,
  type StoreClient,
  type VersionInfo,
  type VersionSelector,
  type WriteOptions,
} from '../types.js'
import {vaultDoctor} from './doctor.js'
import type {VaultSettings} from './factory.js'
import {vaultCapabilities} from './runtime.js'
import {
  applyPatch,
  type CustomMetadataPatch,
  customMetadataProblem,
  isEnabled,
  isOwned,
  type KeyMetadata,
  metaPatch,
  parseCustomMetadata,
  rotationPatch,
  snapshotOf,
  versionInfo,
} from './layout.js'
import {VaultSession} from './session.js'

type Area = 'data' | 'metadata' | 'delete' | 'destroy'

interface ReadData {
  data: Record<string, unknown> | null
  metadata: {version: number; created_time: string}
}

export class VaultStoreClient implements StoreClient {
  readonly capabilities = vaultCapabilities

  constructor(
    readonly storeName: string,
    readonly session: VaultSession,
  ) {}

  static async open(storeName: string, settings: VaultSettings, context: ProviderContext): Promise<VaultStoreClient> {
    return new VaultStoreClient(storeName, await VaultSession.open(storeName, settings, context))
  }

  private get settings(): VaultSettings {
    return this.session.settings
  }

  async describe(path: string): Promise<SecretSnapshot> {
    await this.session.ensureKvV2()
    const metadata = await this.readMetadata(path)
    const now = this.session.now()
    if (!metadata || !isOwned(metadata.custom_metadata)) return snapshotOf(path, metadata, now)
    return snapshotOf(path, metadata, now, await this.recoverRotation(path, metadata))
  }

  async readValue(path: string, selector: VersionSelector): Promise<SecretValue> {
    await this.session.ensureKvV2()
    let version: number | undefined
    if ('versionId' in selector) {
      version = Number(selector.versionId)
      if (!Number.isInteger(version) || version < 1) throw this.notFound(path, `has no version ${selector.versionId}`)
    } else if (selector.role === 'pending') {
      throw this.notFound(path, 'has no pending version: Vault KV v2 has no pending stage')
    } else if (selector.role === 'previous') {
      const metadata = await this.readMetadata(path)
      const previous = metadata?.versions[String(metadata.current_version - 1)]
      if (!metadata || !previous || !isEnabled(previous, this.session.now())) throw this.notFound(path, 'has no previous version')
      version = metadata.current_version - 1
    }
    const read = await this.readData(path, version)
    const what = version === undefined ? 'current version' : `version ${version}`
    if (!read?.data) throw this.notFound(path, `${what} does not exist or is retired`)
    return new SecretValue(this.valueOf(path, read))
  }

  async writeVersion(path: string, value: SecretValue, options: WriteOptions): Promise<VersionInfo> {
    if (options.stage === 'pending') {
      throw new InvalidRequestError(`${this.ref(path)}: Vault KV v2 has no pending stage; every write is current at once`, {
        store: this.storeName,
        ref: this.ref(path),
        hint: 'capabilities.pendingStage is false for vault stores: write with stage "current"',
      })
    }
    if (Buffer.byteLength(value.reveal()) > this.capabilities.maxValueBytes) {
      throw new InvalidRequestError(`value for ${this.ref(path)} exceeds ${this.capabilities.maxValueBytes} bytes`, {store: this.storeName})
    }
    await this.session.prepareWrite()
    const metadata = await this.readMetadata(path)
    const parsed = parseCustomMetadata(metadata?.custom_metadata)
    let cas = 0
    if (metadata && metadata.current_version > 0) {
      const retried = await this.retriedWrite(path, metadata, value, options.rotationId)
      if (retried) return retried
      this.requireOwned(path, metadata)
      if (options.expectedCurrent === undefined) throw this.conflict(path, `already exists (current version ${metadata.current_version})`)
      if (options.expectedCurrent !== String(metadata.current_version)) {
        throw this.conflict(path, `changed since it was read: current is ${metadata.current_version}, expected ${options.expectedCurrent}`)
      }
      cas = metadata.current_version
    } else if (options.expectedCurrent !== undefined) {
      throw this.conflict(path, `was expected to exist with current version ${options.expectedCurrent}`)
    } else if (metadata && !isOwned(metadata.custom_metadata)) {
      this.requireOwned(path, metadata)
    }
    // Ownership is written before the first version exists, so a crash in between cannot leave
    // an unowned secret behind; the later patch must fit Vault's limits before any data is written.
    const claim: CustomMetadataPatch = cas === 0 ? {...options.labels, [MANAGED_BY_KEY]: MANAGED_BY_VALUE} : {}
    const record = {...rotationPatch(parsed.rotations, cas + 1, options.rotationId), ...metaPatch(options.meta ?? {})}
    this.checkLimits(path, applyPatch(applyPatch(metadata?.custom_metadata, claim), record))
    if (cas === 0) await this.writeMetadata(path, claim, metadata === undefined)

    const payload: Record<string, string> = {[this.settings.field]: value.reveal()}
    if (this.settings.rotationField) payload[this.settings.rotationField] = options.rotationId
    const url = this.url('data', path)
    const written = (await this.session.call(this.op('data', path, cas === 0 ? 'create' : 'update'), (v) =>
      v.write(url, {data: payload, options: {cas}}),
    )) as {data: {version: number; created_time: string}}
    const version = written.data.version
    // The cas made the new version cas + 1; recorded after the write, so a failed write leaves
    // no false record. A crash here is recovered from the rotation field of the data.
    await this.patchMetadata(path, {...rotationPatch(parsed.rotations, version, options.rotationId), ...metaPatch(options.meta ?? {})})
    return {
      id: String(version),
      createdAt: new Date(written.data.created_time),
      role: 'current',
      enabled: true,
      destroyed: false,
      rotationId: options.rotationId,
    }
  }

  async promote(path: string, options: PromoteOptions): Promise<void> {
    const metadata = await this.requireMetadata(path)
    if (options.versionId === String(metadata.current_version)) return
    throw new InvalidRequestError(`${this.ref(path)}: Vault KV v2 has no pending stage, so version ${options.versionId} cannot be promoted`, {
      store: this.storeName,
      ref: this.ref(path),
    })
  }

  async retire(path: string, versionId: string, mode: 'disable' | 'destroy'): Promise<void> {
    await this.session.prepareWrite()
    const metadata = await this.requireMetadata(path)
    this.requireOwned(path, metadata)
    const version = metadata.versions[versionId]
    if (!version) throw this.notFound(path, `has no version ${versionId}`)
    if (versionId === String(metadata.current_version)) {
      throw new InvalidRequestError(`refusing to retire ${this.ref(path)} version ${versionId}: it is current`, {
        store: this.storeName,
        ref: this.ref(path),
      })
    }
    if (version.destroyed || (mode === 'disable' && !isEnabled(version, this.session.now()))) return
    const area = mode === 'destroy' ? 'destroy' : 'delete'
    const url = this.url(area, path)
    await this.session.call(this.op(area, path, 'update'), (v) => v.write(url, {versions: [Number(versionId)]}))
  }

  async setMeta(path: string, meta: RotorMeta): Promise<void> {
    await this.session.prepareWrite()
    const metadata = await this.requireMetadata(path)
    this.requireOwned(path, metadata)
    const patch = metaPatch(meta)
    this.checkLimits(path, applyPatch(metadata.custom_metadata, patch))
    await this.patchMetadata(path, patch)
  }

  async adopt(path: string): Promise<void> {
    await this.session.prepareWrite()
    await this.requireMetadata(path)
    await this.patchMetadata(path, {[MANAGED_BY_KEY]: MANAGED_BY_VALUE})
  }

  async list(prefix: string): Promise<string[]> {
    await this.session.ensureKvV2()
    const base = this.settings.pathPrefix ? `${this.settings.pathPrefix}/` : ''
    const full = `${base}${prefix}`
    const found: string[] = []
    const walk = async (folder: string): Promise<void> => {
      const url = `${this.settings.mount}/metadata/${encodePath(folder)}`
      const op = this.session.op(`${this.settings.mount}/metadata/${folder}`, 'list', prefix)
      const listed = (await this.session.callOptional(op, (v) => v.list(url))) as
        | {data: {keys: string[]}}
        | undefined
      for (const key of listed?.data.keys ?? []) {
        const child = `${folder}${key}`
        if (key.endsWith('/')) {
          if (child.startsWith(full) || full.startsWith(child)) await walk(child)
        } else if (child.startsWith(full)) found.push(child.slice(base.length))
      }
    }
    await walk(full.slice(0, full.lastIndexOf('/') + 1))
    return found.sort()
  }

  doctor(paths: string[]): Promise<DoctorCheck[]> {
    return vaultDoctor(this, paths)
  }

  async close(): Promise<void> {}

  /** The Vault API path (unencoded, for messages and policies) of a secret path. */
  apiPath(area: Area, path: string): string {
    const prefix = this.settings.pathPrefix ? `${this.settings.pathPrefix}/` : ''
    return `${this.settings.mount}/${area}/${prefix}${path}`
  }

  private url(area: Area, path: string): string {
    const prefix = this.settings.pathPrefix ? `${this.settings.pathPrefix}/` : ''
    return `${this.settings.mount}/${area}/${encodePath(`${prefix}${path}`)}`
  }

  private op(area: Area, path: string, capability: string) {
    return this.session.op(this.apiPath(area, path), capability, path)
  }

  async readMetadata(path: string): Promise<KeyMetadata | undefined> {
    const url = this.url('metadata', path)
    const result = (await this.session.callOptional(this.op('metadata', path, 'read'), (v) => v.read(url))) as
      | {data: KeyMetadata}
      | undefined
    return result?.data
  }

  private async requireMetadata(path: string): Promise<KeyMetadata> {
    const metadata = await this.readMetadata(path)
    if (!metadata) throw this.notFound(path, 'does not exist')
    return metadata
  }

  /** A version's data; undefined when the key or version is missing, `data: null` when retired. */
  private async readData(path: string, version?: number): Promise<ReadData | undefined> {
    const url = `${this.url('data', path)}${version === undefined ? '' : `?version=${version}`}`
    const result = (await this.session.callOptional(this.op('data', path, 'read'), (v) => v.read(url))) as {data: ReadData} | undefined
    return result?.data
  }

  private valueOf(path: string, read: ReadData): string {
    const value = read.data?.[this.settings.field]
    if (typeof value !== 'string') {
      throw new InvalidRequestError(`${this.ref(path)} version ${read.metadata.version} has no string "${this.settings.field}" key`, {
        store: this.storeName,
        ref: this.ref(path),
        hint: 'set `field` in the store settings to the key that holds the secret',
      })
    }
    return value
  }

  /** The current version's rotation id from its data, when custom_metadata lost the record. */
  private async recoverRotation(path: string, metadata: KeyMetadata): Promise<{version: number; rotationId: string} | undefined> {
    const field = this.settings.rotationField
    const current = metadata.versions[String(metadata.current_version)]
    if (!field || !current || !isEnabled(current, this.session.now())) return undefined
    if (parseCustomMetadata(metadata.custom_metadata).rotations.has(metadata.current_version)) return undefined
    const read = await this.readData(path, metadata.current_version)
    const rotationId = read?.data?.[field]
    return typeof rotationId === 'string' ? {version: metadata.current_version, rotationId} : undefined
  }

  /** A repeated write of a rotation that already wrote a version: same value -> that version. */
  private async retriedWrite(path: string, metadata: KeyMetadata, value: SecretValue, rotationId: string): Promise<VersionInfo | undefined> {
    const recorded = [...parseCustomMetadata(metadata.custom_metadata).rotations].find(
      ([n, id]) => id === rotationId && metadata.versions[String(n)],
    )?.[0]
    const recovered = recorded === undefined ? await this.recoverRotation(path, metadata) : undefined
    const version = recorded ?? (recovered?.rotationId === rotationId ? recovered.version : undefined)
    if (version === undefined) return undefined
    const read = await this.readData(path, version)
    if (!read?.data) throw this.conflict(path, `rotation ${rotationId} already wrote version ${version}, which is now retired`)
    if (this.valueOf(path, read) !== value.reveal()) {
      throw this.conflict(path, `already has a different value for rotation ${rotationId}`)
    }
    if (recorded === undefined) {
      await this.patchMetadata(path, rotationPatch(parseCustomMetadata(metadata.custom_metadata).rotations, version, rotationId))
    }
    return versionInfo(version, metadata, this.session.now(), rotationId)
  }

  /** POST when the key has no metadata yet; otherwise a merge patch of the changed keys. */
  private async writeMetadata(path: string, patch: CustomMetadataPatch, create: boolean): Promise<void> {
    if (!create) return this.patchMetadata(path, patch)
    const url = this.url('metadata', path)
    await this.session.call(this.op('metadata', path, 'create'), (v) => v.write(url, {custom_metadata: patch}))
  }

  private async patchMetadata(path: string, patch: CustomMetadataPatch): Promise<void> {
    if (Object.keys(patch).length === 0) return
    const url = this.url('metadata', path)
    await this.session.call(this.op('metadata', path, 'patch'), (v) => v.update(url, {custom_metadata: patch}))
  }

  private checkLimits(path: string, merged: Record<string, string>): void {
    const problem = customMetadataProblem(merged)
    if (problem) {
      throw new InvalidRequestError(`${this.ref(path)}: ${problem}`, {
        store: this.storeName,
        ref: this.ref(path),
        hint: 'use fewer or shorter labels and meta values (docs/stores/vault.md, custom_metadata layout)',
      })
    }
  }

  private requireOwned(path: string, metadata: KeyMetadata): void {
    if (!isOwned(metadata.custom_metadata)) {
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

  private notFound(path: string, what: string): NotFoundError {
    return new NotFoundError(`${this.ref(path)} ${what}`, {store: this.storeName, ref: this.ref(path)})
  }

  private conflict(path: string, what: string): ConflictError {
    return new ConflictError(`${this.ref(path)} ${what}`, {store: this.storeName, ref: this.ref(path)})
  }
}

export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/')
}
