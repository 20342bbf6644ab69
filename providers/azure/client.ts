/**
 * The Azure Key Vault store, through @azure/keyvault-secrets. Loaded only by
 * `azureFactory.create`, so a run without an Azure store never loads the SDK. The SDK does not
 * retry (`retryOptions.maxRetries: 0`): rotor's one retry helper does, driven by the translated
 * errors. See mapping.ts for how roles, meta and ownership are kept, naming.ts for names.
 */
import {readFile} from 'node:fs/promises'
import {resolve} from 'node:path'
import {rootCertificates} from 'node:tls'
import {SecretClient, type SecretProperties} from '@azure/keyvault-secrets'
import {ConflictError, InvalidRequestError, isNotFound, NotFoundError, NotOwnedError} from '../../src/errors/index.js'
import {
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  type DoctorCheck,
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
import {credentialFor} from './credential.js'
import {azureDoctor} from './doctor.js'
import {innerCode, translateAzureError} from './errors.js'
import type {AzureSettings} from './factory.js'
import {azureCapabilities} from './runtime.js'
import {
  checkTagCount,
  type KvVersion,
  latestIsAmbiguous,
  mergeMeta,
  nextSeq,
  PATH_TAG,
  type RoledVersion,
  ROTATION_TAG,
  splitTags,
  tagsForNewVersion,
  versionInfo,
  withRoles,
} from './mapping.js'
import {MAX_NAME_LENGTH, pathFromName, secretNameFor} from './naming.js'
import {recoverSoftDeleted} from './recover.js'

/** Largest page Key Vault serves for list operations. */
const PAGE_SIZE = 25
const LAST_SDK_DATE_MS = 2 ** 31 * 1000

export async function createAzureStoreClient(storeName: string, settings: AzureSettings, context: ProviderContext): Promise<AzureStoreClient> {
  const [{credential, source}, ca] = await Promise.all([credentialFor(context.env), readCa(storeName, settings, context)])
  const sdk = new SecretClient(settings.vaultUrl, credential, {
    retryOptions: {maxRetries: 0},
    disableChallengeResourceVerification: settings.disableChallengeResourceVerification,
    // Added to the system CAs rather than replacing them, so a proxy CA does not break the rest.
    ...(ca ? {tlsOptions: {ca: [...rootCertificates, ca]}} : {}),
  })
  leanPipeline(sdk)
  return new AzureStoreClient(storeName, settings, sdk, source)
}

/**
 * Pipeline policies that do nothing for rotor's requests, removed: each still ran on every call
 * (the fleet bench, bench/fleet.js --per-store azure: about a tenth of the CPU a call costs).
 * Tracing (rotor registers no tracer), the SDK's logging (AZURE_LOG_LEVEL; rotor reports errors
 * itself), its retries (`maxRetries: 0`: rotor's retry helper is the only one), and the form-data
 * and multipart encoders (Key Vault bodies are JSON). Authentication, the API version, the user
 * agent, request ids, redirects, decompression and proxies stay.
 */
export const UNUSED_AZURE_POLICIES = ['tracingPolicy', 'logPolicy', 'defaultRetryPolicy', 'formDataPolicy', 'multipartPolicy'] as const

function leanPipeline(sdk: SecretClient): void {
  const pipeline = (sdk as unknown as {client?: {pipeline?: {removePolicy(options: {name: string}): unknown}}}).client?.pipeline
  for (const name of UNUSED_AZURE_POLICIES) pipeline?.removePolicy({name})
}

async function readCa(storeName: string, settings: AzureSettings, context: ProviderContext): Promise<string | undefined> {
  if (!settings.caFile) return undefined
  const file = resolve(context.baseDir, settings.caFile)
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new InvalidRequestError(`${storeName}: cannot read caFile ${file}: ${(error as Error).message}`, {
      store: storeName,
      cause: error,
      hint: 'point `caFile` at a PEM certificate file, relative to rotor.yaml',
    })
  }
}

export interface Listed {
  name: string
  versions: RoledVersion[]
}

export class AzureStoreClient implements StoreClient {
  readonly capabilities = azureCapabilities

  constructor(
    readonly storeName: string,
    readonly settings: AzureSettings,
    readonly sdk: SecretClient,
    /** Where the credential came from, for `doctor`. */
    readonly credentialSource: string,
  ) {}

  /** Wraps one SDK call so every error leaves the adapter as a rotor error. */
  async call<T>(op: string, path: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw translateAzureError(error, {
        store: this.storeName,
        op,
        ...(path !== undefined ? {ref: this.ref(path), name: secretNameFor(path)} : {}),
      })
    }
  }

  async describe(path: string): Promise<SecretSnapshot> {
    const listed = await this.listVersions(path)
    if (!listed) return {path, exists: false, owned: false, versions: [], meta: {}, labels: {}}
    const {labels, meta, owned} = splitTags(this.stateVersion(listed)?.tags)
    return {path, exists: true, owned, versions: listed.versions.map(versionInfo), meta, labels}
  }

  async readValue(path: string, selector: VersionSelector): Promise<SecretValue> {
    let versionId: string
    if ('versionId' in selector) {
      versionId = selector.versionId
    } else {
      const listed = await this.requireListed(path)
      const version = listed.versions.find((v) => v.role === selector.role)
      if (!version) throw new NotFoundError(`${this.ref(path)} has no ${selector.role} version`, this.about(path))
      versionId = version.id
    }
    // A disabled version answers 403 SecretDisabled, which arrives here as NotFoundError.
    return new SecretValue(await this.valueOf(path, versionId))
  }

  async writeVersion(path: string, value: SecretValue, options: WriteOptions): Promise<VersionInfo> {
    if (Buffer.byteLength(value.reveal()) > this.capabilities.maxValueBytes) {
      throw new InvalidRequestError(`${this.ref(path)}: the value is larger than Key Vault's 25 KiB`, this.about(path))
    }
    if (options.stage === 'pending') {
      throw new InvalidRequestError(`${this.ref(path)}: Key Vault cannot stage a version; every new version is current at once`, {
        ...this.about(path),
        hint: 'write with stage `current` (capabilities.pendingStage is false)',
      })
    }
    let listed = await this.listVersions(path)
    let recovered = false
    if (!listed) {
      if (options.expectedCurrent !== undefined) {
        throw new ConflictError(`${this.ref(path)} was expected to exist with current version ${options.expectedCurrent}`, this.about(path))
      }
      try {
        return await this.put(path, value, options)
      } catch (error) {
        if (innerCode(error) !== 'ObjectIsDeletedButRecoverable') throw error
      }
      // The name is held by a soft-deleted secret: bring it back and write on top of it.
      listed = await recoverSoftDeleted(this, path)
      recovered = true
    }
    const same = listed.versions.find((v) => v.tags[ROTATION_TAG] === options.rotationId)
    if (same) return this.repeated(path, same, value, options)
    this.requireOwned(path, listed)
    this.requireOwnPath(path, listed)
    const current = listed.versions.find((v) => v.role === 'current')
    // Best effort only: Key Vault has no conditional write, so a writer between this read and
    // the SetSecret below goes unnoticed (capabilities.compareAndSwap is false). A recovered
    // secret was invisible to the caller, so its current version cannot have been expected.
    if (!recovered && current?.id !== options.expectedCurrent) {
      throw new ConflictError(
        `${this.ref(path)} changed since it was read: current is ${current?.id ?? 'none'}, expected ${options.expectedCurrent ?? 'no secret'}`,
        this.about(path),
      )
    }
    return this.put(path, value, options, listed)
  }

  /** SetSecret: a new version, current at once, carrying the secret-level tags forward. */
  private async put(path: string, value: SecretValue, options: WriteOptions, listed?: Listed): Promise<VersionInfo> {
    const tags = tagsForNewVersion({
      path,
      rotationId: options.rotationId,
      seq: nextSeq(listed?.versions ?? []),
      ...(listed ? {inherit: this.stateVersion(listed)?.tags} : {}),
      ...(options.labels ? {labels: options.labels} : {}),
      ...(options.meta ? {meta: options.meta} : {}),
    })
    checkTagCount(tags, this.about(path))
    const written = await this.call('SetSecret', path, () => this.sdk.setSecret(this.nameOf(path), value.reveal(), {tags}))
    return {
      id: written.properties.version ?? '',
      createdAt: written.properties.createdOn ?? new Date(),
      role: 'current',
      enabled: true,
      destroyed: false,
      rotationId: options.rotationId,
    }
  }

  /** The same rotation wrote here before: a no-op when the value matches, else a conflict. */
  private async repeated(path: string, same: RoledVersion, value: SecretValue, options: WriteOptions): Promise<VersionInfo> {
    const stored = await this.valueOf(path, same.id)
    if (stored !== value.reveal()) {
      throw new ConflictError(`${this.ref(path)} already has a different value for rotation ${options.rotationId}`, this.about(path))
    }
    return versionInfo(same)
  }

  /** There is no pending stage here, so the only promotion is of the version already current. */
  async promote(path: string, options: PromoteOptions): Promise<void> {
    const listed = await this.requireListed(path)
    const target = listed.versions.find((v) => v.id === options.versionId)
    if (!target) throw new NotFoundError(`${this.ref(path)} has no version ${options.versionId}`, this.about(path))
    if (target.role === 'current') return
    throw new InvalidRequestError(`${this.ref(path)} version ${options.versionId} is ${target.role}; Key Vault has no pending stage to promote from`, this.about(path))
  }

  async retire(path: string, versionId: string, mode: 'disable' | 'destroy'): Promise<void> {
    if (mode === 'destroy') {
      throw new InvalidRequestError(`${this.ref(path)}: Key Vault cannot destroy one version of a secret`, {
        ...this.about(path),
        hint: 'use `retire: disable` (the version is disabled and can no longer be read); deleting and purging removes every version',
      })
    }
    const listed = await this.requireListed(path)
    this.requireOwned(path, listed)
    const version = listed.versions.find((v) => v.id === versionId)
    if (!version) throw new NotFoundError(`${this.ref(path)} has no version ${versionId}`, this.about(path))
    if (version.role === 'current') {
      throw new InvalidRequestError(`refusing to retire ${this.ref(path)} version ${versionId}: it is current`, this.about(path))
    }
    if (!version.enabled) return
    await this.call('UpdateSecret', path, () => this.sdk.updateSecretProperties(this.nameOf(path), versionId, {enabled: false}))
  }

  /**
   * Meta lives in the current version's tags. A `graceEndsAt` for the current promotion is also
   * set as `expiresOn` of the previous version, so the portal, Azure Policy and Event Grid
   * (SecretNearExpiry/SecretExpired) show the window. Key Vault does not refuse reads of an
   * expired secret: rotor's retire step is what ends it.
   */
  async setMeta(path: string, meta: RotorMeta): Promise<void> {
    const listed = await this.requireListed(path)
    this.requireOwned(path, listed)
    const current = listed.versions.find((v) => v.role === 'current')
    if (!current) throw new InvalidRequestError(`${this.ref(path)} has no enabled version to keep rotor's meta on`, this.about(path))
    const previous = listed.versions.find((v) => v.role === 'previous')
    const forThisPromotion = meta.promotedVersion === undefined || meta.promotedVersion === current.id
    if (meta.graceEndsAt !== undefined && previous && forThisPromotion) {
      const graceEnd = new Date(meta.graceEndsAt)
      if (Number.isNaN(graceEnd.getTime())) throw new InvalidRequestError(`${this.ref(path)}: graceEndsAt is not a date`, this.about(path))
      // The SDK sends dates as 32-bit seconds; a later grace end would wrap to 1901.
      const fits = graceEnd.getTime() < LAST_SDK_DATE_MS
      if (fits && previous.expiresOn?.getTime() !== Math.floor(graceEnd.getTime() / 1000) * 1000) {
        await this.call('UpdateSecret', path, () => this.sdk.updateSecretProperties(this.nameOf(path), previous.id, {expiresOn: graceEnd}))
      }
    }
    const tags = mergeMeta(current.tags, meta)
    checkTagCount(tags, this.about(path))
    await this.call('UpdateSecret', path, () => this.sdk.updateSecretProperties(this.nameOf(path), current.id, {tags}))
  }

  async adopt(path: string): Promise<void> {
    const listed = await this.requireListed(path)
    const holder = this.stateVersion(listed)!
    const tags = {...holder.tags, [MANAGED_BY_KEY]: MANAGED_BY_VALUE, [PATH_TAG]: path}
    checkTagCount(tags, this.about(path))
    await this.call('UpdateSecret', path, () => this.sdk.updateSecretProperties(this.nameOf(path), holder.id, {tags}))
  }

  async list(prefix: string): Promise<string[]> {
    const paths: string[] = []
    await this.call('GetSecrets', undefined, async () => {
      for await (const page of this.sdk.listPropertiesOfSecrets().byPage({maxPageSize: PAGE_SIZE})) {
        for (const secret of page) {
          const path = secret.tags?.[PATH_TAG] ?? pathFromName(secret.name)
          if (path.startsWith(prefix)) paths.push(path)
        }
      }
    })
    return paths.sort()
  }

  async doctor(paths: string[]): Promise<DoctorCheck[]> {
    return azureDoctor(this, paths)
  }

  async close(): Promise<void> {}

  /** Every version with its role, newest first; undefined when the secret does not exist. */
  async listVersions(path: string): Promise<Listed | undefined> {
    const name = this.nameOf(path)
    const versions: KvVersion[] = []
    try {
      await this.call('GetSecretVersions', path, async () => {
        for await (const page of this.sdk.listPropertiesOfSecretVersions(name).byPage({maxPageSize: PAGE_SIZE})) {
          for (const p of page) versions.push(toVersion(p))
        }
      })
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
    if (versions.length === 0) return undefined
    const roled = withRoles(versions, latestIsAmbiguous(versions) ? await this.latestId(path) : undefined)
    return {name, versions: await this.withoutCopiedRotation(path, roled)}
  }

  /**
   * A version written outside rotor with the tags of rotor's current version copied (a script or
   * tool that carries tags forward) claims rotor's rotation, and without this would look in sync.
   * rotor never writes two versions of one rotation with different values (see `repeated`), so
   * when the current version shares its rotation with an older one, their values decide: two
   * GetSecret calls, made only then. A different value is not rotor's: it loses the rotation tag
   * in this listing, so the planner sees a foreign current version (drift, repaired by sync).
   * When the older one cannot be read (disabled), nothing can tell and the listing stays as it is.
   */
  private async withoutCopiedRotation(path: string, versions: RoledVersion[]): Promise<RoledVersion[]> {
    const current = versions.find((v) => v.role === 'current')
    const rotation = current?.tags[ROTATION_TAG]
    if (!current || rotation === undefined) return versions
    // Newest first: the last match is the oldest, the version rotor wrote.
    const original = versions.findLast((v) => v !== current && v.tags[ROTATION_TAG] === rotation)
    if (!original) return versions
    let values: string[]
    try {
      values = await Promise.all([this.valueOf(path, current.id), this.valueOf(path, original.id)])
    } catch (error) {
      if (isNotFound(error)) return versions
      throw error
    }
    if (values[0] === values[1]) return versions
    const {[ROTATION_TAG]: _copied, ...tags} = current.tags
    return versions.map((v) => (v === current ? {...v, tags} : v))
  }

  /** The id of the version Key Vault resolves as latest; undefined when it is disabled. */
  private async latestId(path: string): Promise<string | undefined> {
    try {
      const latest = await this.call('GetSecret', path, () => this.sdk.getSecret(this.nameOf(path)))
      return latest.properties.version
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  async valueOf(path: string, versionId: string): Promise<string> {
    const secret = await this.call('GetSecret', path, () => this.sdk.getSecret(this.nameOf(path), {version: versionId}))
    return secret.value ?? ''
  }

  nameOf(path: string): string {
    const name = secretNameFor(path)
    if (name.length > MAX_NAME_LENGTH) {
      throw new InvalidRequestError(`${this.ref(path)}: the Key Vault name for this path would be ${name.length} characters; at most ${MAX_NAME_LENGTH} are allowed`, this.about(path))
    }
    return name
  }

  ref(path: string): string {
    return `${this.storeName}:${path}`
  }

  about(path: string) {
    return {store: this.storeName, ref: this.ref(path)}
  }

  /** The version holding secret-level tags: the current one, or the newest when none is enabled. */
  stateVersion(listed: Listed): RoledVersion | undefined {
    return listed.versions.find((v) => v.role === 'current') ?? listed.versions[0]
  }

  private async requireListed(path: string): Promise<Listed> {
    const listed = await this.listVersions(path)
    if (!listed) throw new NotFoundError(`${this.ref(path)} does not exist`, this.about(path))
    return listed
  }

  requireOwned(path: string, listed: Listed): void {
    if (!splitTags(this.stateVersion(listed)?.tags).owned) {
      throw new NotOwnedError(`${this.ref(path)} exists but is not managed by rotor`, {
        ...this.about(path),
        hint: 'set `adopt: true` on the secret in rotor.yaml to let rotor take it over (it adds the tag managed-by=rotor)',
      })
    }
  }

  /** Two paths can share a name (naming.ts); never let one rotate the other's secret. */
  private requireOwnPath(path: string, listed: Listed): void {
    const owner = this.stateVersion(listed)?.tags[PATH_TAG]
    if (owner !== undefined && owner !== path) {
      throw new ConflictError(`${this.ref(path)}: Key Vault secret ${listed.name} belongs to rotor path "${owner}"`, {
        ...this.about(path),
        hint: 'two rotor paths map to this one Key Vault name; rename one of them',
      })
    }
  }
}

function toVersion(p: SecretProperties): KvVersion {
  return {
    id: p.version ?? '',
    createdAt: p.createdOn ?? new Date(0),
    enabled: p.enabled !== false,
    ...(p.expiresOn ? {expiresOn: p.expiresOn} : {}),
    tags: {...p.tags},
  }
}
