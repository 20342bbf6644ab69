/**
 * The GCP Secret Manager store, through @google-cloud/secret-manager (gRPC, or REST with
 * `transport: rest`). Loaded only by `gcpFactory.create`, so a run without a GCP store never
 * loads the SDK. Roles are version aliases moved with UpdateSecret under the secret's etag: the
 * compare-and-swap. See mapping.ts for the layout and docs/stores/gcp.md for the reasoning.
 */
import type {SecretManagerServiceClient} from '@google-cloud/secret-manager'
import {ConflictError, InvalidRequestError, isNotFound, NotFoundError, NotOwnedError} from '../../src/errors/index.js'
import {
  type Capabilities,
  type DescribeManyOptions,
  type DescribeResult,
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
import {gcpDoctor} from './doctor.js'
import {Code, grpcCode, isEtagConflict, translateGcpError} from './errors.js'
import type {GcpSettings} from './factory.js'
import {gcpAtPromotionCapabilities, gcpCapabilities} from './runtime.js'
import {
  aliasesOf,
  CURRENT,
  isDestroyed,
  isEnabled,
  isOwned,
  newestEnabled,
  PENDING,
  pruneRotations,
  ROLE_ALIASES,
  roleOf,
  type Secret,
  type SecretVersion,
  snapshotOf,
  stateOf,
  withMeta,
} from './mapping.js'
import {type Location, parentOf, pathOfSecretName, secretNameOf, toSecretId, versionNameOf} from './naming.js'
import {CALL, createSdk, endpointOf, PAGE_CALL} from './sdk.js'
import {writeVersion} from './writes.js'
import {describeMany} from './bulk.js'
import {defaultRetryPolicy, retry} from '../../src/util/retry.js'

const READ_RPCS = new Set(['GetSecret', 'ListSecretVersions', 'GetSecretVersion', 'AccessSecretVersion', 'ListSecrets'])
const RPC_RETRY = {...defaultRetryPolicy, attempts: 4}

const PAGE_SIZE = 250

/** One UpdateSecret to make, or undefined when the secret already is as wanted. */
export type Change = {patch: Secret; mask: string[]} | undefined

export class GcpStoreClient implements StoreClient {
  readonly capabilities: Capabilities
  readonly where: Location

  private constructor(
    readonly storeName: string,
    readonly settings: GcpSettings,
    readonly context: ProviderContext,
    readonly sdk: SecretManagerServiceClient,
  ) {
    this.capabilities = settings.aliasMode === 'at-promotion' ? gcpAtPromotionCapabilities : gcpCapabilities
    this.where = {project: settings.project, location: settings.location}
  }

  static async open(storeName: string, settings: GcpSettings, context: ProviderContext): Promise<GcpStoreClient> {
    if (settings.insecure) {
      const {host, port} = endpointOf(settings)
      const warning = `store ${storeName}: talking plain-text gRPC without credentials to ${host}:${port} (insecure: true); only for a local emulator`
      const warn = (context as ProviderContext & {warn?: (message: string) => void}).warn
      if (warn) warn(warning)
      else process.emitWarning(warning, {code: 'ROTOR_GCP_INSECURE'})
    }
    return new GcpStoreClient(storeName, settings, context, createSdk(settings))
  }

  private ready?: Promise<unknown>

  /**
   * The SDK's stub (and its Application Default Credentials) once, awaited before any call. Each
   * generated method runs `this.initialize().catch((err) => { throw err })`, a promise nobody
   * awaits, so calling a method after a failed initialisation (no ADC) leaves an unhandled
   * rejection that crashes the process. We call no method unless initialisation succeeded.
   */
  private initialized(): Promise<unknown> {
    if (!this.ready) {
      this.ready = this.sdk.initialize()
      this.ready.catch(() => {})
    }
    return this.ready
  }

  /** Wraps one SDK call so every error leaves the adapter as a rotor error. */
  async call<T>(op: string, path: string | undefined, run: () => Promise<T>, resource?: string): Promise<T> {
    const attempt = async () => {
      try {
        await this.initialized()
        return await run()
      } catch (error) {
        throw translateGcpError(error, {
          store: this.storeName,
          op,
          ...(path !== undefined ? {ref: this.ref(path)} : {}),
          resource: resource ?? (path !== undefined ? this.secretName(path) : parentOf(this.where)),
        })
      }
    }
    // One contract call is several RPCs here, and the engine retries the whole call. Reads are
    // also retried on their own (with the same helper), so a flaky read does not waste the
    // writes around it; writes are not, because a lost answer must be resolved by the whole call.
    return READ_RPCS.has(op) ? retry(attempt, RPC_RETRY) : attempt()
  }

  async describe(path: string): Promise<SecretSnapshot> {
    const secret = await this.getSecret(path)
    if (!secret) return {path, exists: false, owned: false, versions: [], meta: {}, labels: {}}
    return snapshotOf(path, secret, await this.listVersions(path))
  }

  /** ListSecrets pages instead of one GetSecret each; versions per secret (see bulk.ts). */
  async describeMany(paths: string[], options: DescribeManyOptions = {}): Promise<Map<string, DescribeResult>> {
    return describeMany(this, paths, options.call ?? ((request) => request()))
  }

  async readValue(path: string, selector: VersionSelector): Promise<SecretValue> {
    if ('versionId' in selector) return this.access(path, this.versionNumber(path, selector.versionId), `version ${selector.versionId}`)
    try {
      return await this.access(path, selector.role, `${selector.role} version`)
    } catch (error) {
      if (selector.role !== CURRENT || !isNotFound(error)) throw error
      // No `current` alias (a secret another tool made): its newest enabled version, never a disabled `latest`.
      const secret = await this.requireSecret(path)
      const fallback = aliasesOf(secret)[CURRENT] === undefined ? newestEnabled(await this.listVersions(path)) : undefined
      if (fallback === undefined) throw error
      return this.access(path, fallback, 'current version')
    }
  }

  async writeVersion(path: string, value: SecretValue, options: WriteOptions): Promise<VersionInfo> {
    return writeVersion(this, path, value, options)
  }

  async promote(path: string, options: PromoteOptions): Promise<void> {
    const secret = await this.requireSecret(path)
    this.requireOwned(path, secret)
    const target = this.versionNumber(path, options.versionId)
    if (aliasesOf(secret)[CURRENT] === target && aliasesOf(secret)[PENDING] !== target) return
    const version = await this.getVersion(path, target)
    if (!isEnabled(version)) {
      throw new InvalidRequestError(`${this.ref(path)} version ${target} is ${stateOf(version)}, not pending`, this.about(path))
    }
    let versions: SecretVersion[] | undefined
    await this.casUpdate(path, secret, async (fresh) => {
      const aliases = aliasesOf(fresh)
      if (aliases[CURRENT] === target) {
        // Already promoted: finish by dropping a `pending` alias left on it.
        if (aliases[PENDING] !== target) return undefined
        const next: Record<string, number> = {...aliases}
        delete next[PENDING]
        return {patch: {versionAliases: next}, mask: ['version_aliases']}
      }
      const current = aliases[CURRENT] ?? newestEnabled((versions ??= await this.listVersions(path)), target)
      if (aliases[PENDING] !== target) {
        throw new InvalidRequestError(`${this.ref(path)} version ${target} is ${roleOf(target, aliases, current)}, not pending`, this.about(path))
      }
      if (String(current ?? '') !== (options.expectedCurrent ?? '')) throw this.moved(path, current, options.expectedCurrent)
      const next: Record<string, number> = {...aliases, [CURRENT]: target}
      delete next[PENDING]
      if (current !== undefined) next.previous = current
      const annotations = pruneRotations({...fresh.annotations}, next)
      return {patch: {versionAliases: next, annotations}, mask: ['version_aliases', 'annotations']}
    })
  }

  /** Removes the version's aliases (never `current`), then disables or destroys it. Idempotent. */
  async retire(path: string, versionId: string, mode: 'disable' | 'destroy'): Promise<void> {
    const secret = await this.requireSecret(path)
    this.requireOwned(path, secret)
    const number = this.versionNumber(path, versionId)
    const version = await this.getVersion(path, number)
    let versions: SecretVersion[] | undefined
    await this.casUpdate(path, secret, async (fresh) => {
      const aliases = aliasesOf(fresh)
      const current = aliases[CURRENT] ?? newestEnabled((versions ??= await this.listVersions(path)))
      if (current === number) {
        throw new InvalidRequestError(`refusing to retire ${this.ref(path)} version ${number}: it is current`, this.about(path))
      }
      const held = ROLE_ALIASES.filter((alias) => aliases[alias] === number)
      if (held.length === 0) return undefined
      const next: Record<string, number> = {...aliases}
      for (const alias of held) delete next[alias]
      // Pin `current`, so that losing its fallback can never move it to another version.
      if (current !== undefined) next[CURRENT] = current
      return {patch: {versionAliases: next}, mask: ['version_aliases']}
    })
    if (mode === 'disable' && isEnabled(version)) await this.changeVersion('DisableSecretVersion', path, version, (v) => !isEnabled(v))
    if (mode === 'destroy' && !isDestroyed(version)) await this.changeVersion('DestroySecretVersion', path, version, isDestroyed)
  }

  async setMeta(path: string, meta: RotorMeta): Promise<void> {
    const secret = await this.requireSecret(path)
    this.requireOwned(path, secret)
    // Refuse keys that cannot be annotation keys before anything is sent.
    withMeta({}, meta)
    await this.casUpdate(path, secret, async (fresh) => ({patch: {annotations: withMeta({...fresh.annotations}, meta)}, mask: ['annotations']}))
  }

  /** Adds the ownership label and pins `current` to what it resolves to now. */
  async adopt(path: string): Promise<void> {
    const secret = await this.requireSecret(path)
    await this.casUpdate(path, secret, async (fresh) => {
      const aliases = aliasesOf(fresh)
      const pin = aliases[CURRENT] === undefined ? newestEnabled(await this.listVersions(path)) : undefined
      if (isOwned(fresh) && pin === undefined) return undefined
      const patch: Secret = {labels: {...fresh.labels, [MANAGED_BY_KEY]: MANAGED_BY_VALUE}}
      if (pin === undefined) return {patch, mask: ['labels']}
      return {patch: {...patch, versionAliases: {...aliases, [CURRENT]: pin}}, mask: ['labels', 'version_aliases']}
    })
  }

  async list(prefix: string): Promise<string[]> {
    const encoded = toSecretId(prefix)
    // `name:` is a substring match on the resource name; the prefix check below makes it exact.
    const filter = /^[A-Za-z0-9_-]+$/.test(encoded) ? `name:${encoded}` : ''
    const paths: string[] = []
    let pageToken = ''
    do {
      const [secrets, , raw] = await this.call('ListSecrets', undefined, () =>
        this.sdk.listSecrets({parent: parentOf(this.where), pageSize: PAGE_SIZE, pageToken, filter}, PAGE_CALL),
      )
      for (const s of secrets) if (s.name) paths.push(pathOfSecretName(s.name))
      pageToken = raw?.nextPageToken ?? ''
    } while (pageToken)
    return paths.filter((p) => p.startsWith(prefix)).sort()
  }

  async doctor(paths: string[]): Promise<DoctorCheck[]> {
    return gcpDoctor(this, paths)
  }

  async close(): Promise<void> {
    await this.sdk.close()
  }

  // --- building blocks, shared with writes.ts and doctor.ts ---

  ref(path: string): string {
    return `${this.storeName}:${path}`
  }

  about(path: string) {
    return {store: this.storeName, ref: this.ref(path)}
  }

  secretName(path: string): string {
    return secretNameOf(this.where, path)
  }

  /** GetSecret, or undefined when there is no such secret. */
  async getSecret(path: string): Promise<Secret | undefined> {
    try {
      const [secret] = await this.call('GetSecret', path, () => this.sdk.getSecret({name: this.secretName(path)}, CALL))
      return secret
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  async requireSecret(path: string): Promise<Secret> {
    const secret = await this.getSecret(path)
    if (!secret) throw new NotFoundError(`${this.ref(path)} does not exist`, this.about(path))
    return secret
  }

  /** Every version, whatever its state. */
  async listVersions(path: string): Promise<SecretVersion[]> {
    const versions: SecretVersion[] = []
    let pageToken = ''
    do {
      const [page, , raw] = await this.call('ListSecretVersions', path, () =>
        this.sdk.listSecretVersions({parent: this.secretName(path), pageSize: PAGE_SIZE, pageToken}, PAGE_CALL),
      )
      versions.push(...page)
      pageToken = raw?.nextPageToken ?? ''
    } while (pageToken)
    return versions
  }

  async getVersion(path: string, number: number): Promise<SecretVersion> {
    const name = versionNameOf(this.where, path, String(number))
    const [version] = await this.call('GetSecretVersion', path, () => this.sdk.getSecretVersion({name}, CALL), name)
    return version
  }

  /** AccessSecretVersion by number or alias; a disabled or destroyed version is NotFoundError. */
  async access(path: string, ref: string | number, what: string): Promise<SecretValue> {
    const name = versionNameOf(this.where, path, String(ref))
    try {
      const [out] = await this.call('AccessSecretVersion', path, () => this.sdk.accessSecretVersion({name}, CALL), name)
      const data = out.payload?.data ?? ''
      return new SecretValue(typeof data === 'string' ? Buffer.from(data, 'base64').toString('utf8') : Buffer.from(data).toString('utf8'))
    } catch (error) {
      if (isNotFound(error)) throw new NotFoundError(`${this.ref(path)} has no ${what}`, {...this.about(path), cause: error})
      if (grpcCode(error) === Code.FAILED_PRECONDITION) {
        throw new NotFoundError(`${this.ref(path)} ${what} is retired (disabled or destroyed) and cannot be read`, {...this.about(path), cause: error})
      }
      throw error
    }
  }

  /**
   * UpdateSecret with the etag of `secret`. When another writer changed the secret in between
   * (etag mismatch), `build` runs again on a fresh read, re-checking its preconditions, and the
   * update is tried once more; a second mismatch is a ConflictError for the next run.
   */
  async casUpdate(path: string, secret: Secret, build: (fresh: Secret) => Promise<Change>): Promise<Secret> {
    let fresh = secret
    for (let attempt = 1; ; attempt++) {
      const change = await build(fresh)
      if (!change) return fresh
      try {
        const request = {secret: {...change.patch, name: this.secretName(path), etag: fresh.etag}, updateMask: {paths: change.mask}}
        const [updated] = await this.call('UpdateSecret', path, () => this.sdk.updateSecret(request, CALL))
        return updated
      } catch (error) {
        if (!isEtagConflict(error)) throw error
        if (attempt >= 2) {
          throw new ConflictError(`${this.ref(path)} keeps changing under rotor (etag mismatch twice)`, {
            ...this.about(path),
            hint: 'another writer is changing this secret; the next run starts from what it then reads',
            cause: error,
          })
        }
        fresh = await this.requireSecret(path)
      }
    }
  }

  /** Disable/Destroy with the version's etag; after a mismatch, re-read and try once more unless done. */
  private async changeVersion(
    op: 'DisableSecretVersion' | 'DestroySecretVersion',
    path: string,
    version: SecretVersion,
    done: (v: SecretVersion) => boolean,
  ): Promise<void> {
    let current = version
    for (let attempt = 1; ; attempt++) {
      const request = {name: current.name!, etag: current.etag ?? ''}
      try {
        await this.call(op, path, () =>
          op === 'DisableSecretVersion' ? this.sdk.disableSecretVersion(request, CALL) : this.sdk.destroySecretVersion(request, CALL),
        request.name)
        return
      } catch (error) {
        if (!isEtagConflict(error) || attempt >= 2) throw error
        current = await this.getVersion(path, Number(version.name!.split('/').pop()))
        if (done(current)) return
      }
    }
  }

  /** Best effort: a version that lost its race must not linger as an enabled `latest`. */
  async disableQuietly(path: string, number: number): Promise<void> {
    try {
      await this.call('DisableSecretVersion', path, () =>
        this.sdk.disableSecretVersion({name: versionNameOf(this.where, path, String(number))}, CALL),
      )
    } catch {
      // Left enabled without a role; `status` shows it and the next rotation's retire handles it.
    }
  }

  requireOwned(path: string, secret: Secret): void {
    if (!isOwned(secret)) {
      throw new NotOwnedError(`${this.ref(path)} exists but is not managed by rotor`, {
        ...this.about(path),
        hint: 'set `adopt: true` on the secret in rotor.yaml to let rotor take it over (it adds the label managed-by=rotor)',
      })
    }
  }

  moved(path: string, actual: number | undefined, expected: string | undefined): ConflictError {
    return new ConflictError(
      `${this.ref(path)} changed since it was read: current is ${actual ?? 'none'}, expected ${expected ?? 'no secret'}; another writer moved it`,
      {...this.about(path), hint: 'the next run reads the new state and starts over from it'},
    )
  }

  /** Version ids are the service's version numbers; anything else names no version. */
  versionNumber(path: string, versionId: string): number {
    if (!/^[1-9]\d*$/.test(versionId)) throw new NotFoundError(`${this.ref(path)} has no version ${versionId}`, this.about(path))
    return Number(versionId)
  }
}
