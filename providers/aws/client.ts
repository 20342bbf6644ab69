/**
 * The AWS Secrets Manager store, through @aws-sdk/client-secrets-manager. Loaded only by
 * `awsFactory.create`, so a run without an AWS store never loads the SDK. The SDK does not retry
 * (`maxAttempts: 1`): rotor's one retry helper does, driven by the translated errors.
 */
import {
  CreateSecretCommand,
  type DescribeSecretCommandOutput,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
  type SecretsManagerClientConfig,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import {ConflictError, InvalidRequestError, isNotFound, NotFoundError, NotOwnedError} from '../../src/errors/index.js'
import {
  MANAGED_BY_KEY,
  MANAGED_BY_VALUE,
  type DescribeManyOptions,
  type DescribeResult,
  type DoctorCheck,
  type PromoteOptions,
  type ProviderContext,
  type Role,
  type RotorMeta,
  SecretValue,
  type SecretSnapshot,
  type StoreClient,
  type VersionInfo,
  type VersionSelector,
  type WriteOptions,
} from '../types.js'
import {describeMany, readMany, type ReadResult} from './batch.js'
import {awsDoctor} from './doctor.js'
import {restoreHint, translateAwsError} from './errors.js'
import type {AwsSettings} from './factory.js'
import {awsCapabilities} from './runtime.js'
import {AWSCURRENT, AWSPENDING, type AwsVersion, creationTags, metaTags, roleOf, snapshotOf, splitTags, stageFor, versionInfo} from './mapping.js'
import {requestTokenFor} from './tokens.js'
import {awsSdkConfig} from './sdk-config.js'
import {leanMiddleware} from './lean-stack.js'

/** How many secrets non-batched reads work on at once. */
const DESCRIBE_CONCURRENCY = 8

type Described = DescribeSecretCommandOutput

export class AwsStoreClient implements StoreClient {
  readonly capabilities = awsCapabilities
  readonly sdk: SecretsManagerClient

  constructor(
    readonly storeName: string,
    readonly settings: AwsSettings,
    private readonly context: ProviderContext,
  ) {
    this.sdk = new SecretsManagerClient(sdkConfig(settings, context.env))
    leanMiddleware(this.sdk)
  }

  /** Wraps one SDK call so every error leaves the adapter as a rotor error. */
  async call<T>(op: string, path: string | undefined, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw translateAwsError(error, {store: this.storeName, op, path, ...(path !== undefined ? {ref: this.ref(path)} : {})})
    }
  }

  async describe(path: string): Promise<SecretSnapshot> {
    const secret = await this.describeSecret(path)
    if (!secret) return {path, exists: false, owned: false, versions: [], meta: {}, labels: {}}
    const versions = await this.listVersions(path).catch((error: unknown) => {
      // Should AWS refuse to list a deleted secret's versions, its labelled ones are still known.
      if (!secret.DeletedDate) throw error
      return Object.entries(secret.VersionIdsToStages ?? {}).map(([id, stages]) => ({id, stages, createdAt: secret.CreatedDate ?? new Date(0)}))
    })
    return snapshotOf(path, secret, versions)
  }

  /**
   * ListSecrets pages (100 secrets a request, with tags) instead of one DescribeSecret each; the
   * versions still come from ListSecretVersionIds, since a listing has no creation dates and no
   * unlabelled versions. See batch.ts for when a path falls back to `describe`.
   */
  async describeMany(paths: string[], options: DescribeManyOptions = {}): Promise<Map<string, DescribeResult>> {
    return describeMany(this, paths, options.call ?? ((request) => request()))
  }

  /** Values of many secrets by role (the contract's optional BatchReading); `current` uses BatchGetSecretValue, 20 secrets a call. */
  async readMany(paths: string[], role: Exclude<Role, 'retired'> = 'current'): Promise<ReadResult[]> {
    return readMany(this, paths, role, DESCRIBE_CONCURRENCY)
  }

  async readValue(path: string, selector: VersionSelector): Promise<SecretValue> {
    const byVersion = 'versionId' in selector
    const out = await this.call('GetSecretValue', path, () =>
      this.sdk.send(
        new GetSecretValueCommand(
          byVersion ? {SecretId: path, VersionId: selector.versionId} : {SecretId: path, VersionStage: stageFor[selector.role]},
        ),
      ),
    )
    if (byVersion && roleOf(out.VersionStages ?? []) === 'retired') {
      throw new NotFoundError(`${this.ref(path)} version ${selector.versionId} is retired and cannot be read`, this.about(path))
    }
    if (out.SecretString === undefined) {
      throw new InvalidRequestError(`${this.ref(path)} holds a binary value; rotor manages SecretString values only`, this.about(path))
    }
    return new SecretValue(out.SecretString)
  }

  /** Unlabelled (deprecated) versions stay readable by id until AWS deletes them: leak scanning reads them. */
  async readRetiredValue(path: string, versionId: string): Promise<SecretValue> {
    const out = await this.call('GetSecretValue', path, () => this.sdk.send(new GetSecretValueCommand({SecretId: path, VersionId: versionId})))
    if (out.SecretString === undefined) {
      throw new InvalidRequestError(`${this.ref(path)} holds a binary value; rotor manages SecretString values only`, this.about(path))
    }
    return new SecretValue(out.SecretString)
  }

  async writeVersion(path: string, value: SecretValue, options: WriteOptions): Promise<VersionInfo> {
    if (Buffer.byteLength(value.reveal()) > this.capabilities.maxValueBytes) {
      throw new InvalidRequestError(`${this.ref(path)}: the value is larger than Secrets Manager's 65536 bytes`, this.about(path))
    }
    const token = requestTokenFor(options.rotationId)
    const secret = await this.describeSecret(path)
    if (!secret) {
      const created = await this.create(path, value, token, options)
      if (created) return created
    }
    return this.putVersion(path, value, token, options, secret ?? (await this.requireSecret(path)))
  }

  /** CreateSecret; undefined when someone created it meanwhile, so the caller treats it as existing. */
  private async create(path: string, value: SecretValue, token: string, options: WriteOptions): Promise<VersionInfo | undefined> {
    if (options.expectedCurrent !== undefined) {
      throw new ConflictError(`${this.ref(path)} was expected to exist with current version ${options.expectedCurrent}`, this.about(path))
    }
    if (options.stage === 'pending') {
      throw new InvalidRequestError(`${this.ref(path)} does not exist yet: a new secret's first version is always AWSCURRENT`, {
        ...this.about(path),
        hint: 'create the secret with stage `current`; AWS cannot hold a pending version without a current one',
      })
    }
    try {
      await this.call('CreateSecret', path, () =>
        this.sdk.send(
          new CreateSecretCommand({
            Name: path,
            ClientRequestToken: token,
            SecretString: value.reveal(),
            Tags: creationTags(options.labels, options.meta),
            ...(this.settings.kmsKeyId ? {KmsKeyId: this.settings.kmsKeyId} : {}),
          }),
        ),
      )
    } catch (error) {
      if (error instanceof ConflictError) return undefined
      throw error
    }
    return {id: token, createdAt: this.context.now(), role: 'current', enabled: true, destroyed: false, rotationId: options.rotationId}
  }

  private async putVersion(path: string, value: SecretValue, token: string, options: WriteOptions, secret: Described): Promise<VersionInfo> {
    this.requireLive(path, secret)
    const versions = await this.listVersions(path)
    const same = versions.find((v) => v.id === token)
    if (same) {
      // The same rotation wrote here before: a no-op when the value matches, else a conflict.
      const stored = await this.call('GetSecretValue', path, () => this.sdk.send(new GetSecretValueCommand({SecretId: path, VersionId: token})))
      if (stored.SecretString !== value.reveal()) {
        throw new ConflictError(`${this.ref(path)} already has a different value for rotation ${options.rotationId}`, this.about(path))
      }
      return versionInfo(same)
    }
    this.requireOwned(path, secret)
    const current = versions.find((v) => v.stages.includes(AWSCURRENT))
    if (current?.id !== options.expectedCurrent) {
      throw new ConflictError(
        `${this.ref(path)} changed since it was read: current is ${current?.id ?? 'none'}, expected ${options.expectedCurrent ?? 'no secret'}`,
        this.about(path),
      )
    }
    const out = await this.call('PutSecretValue', path, () =>
      this.sdk.send(
        new PutSecretValueCommand({
          SecretId: path,
          ClientRequestToken: token,
          SecretString: value.reveal(),
          // Without VersionStages AWS moves AWSCURRENT here and AWSPREVIOUS to the old current.
          ...(options.stage === 'pending' ? {VersionStages: [AWSPENDING]} : {}),
        }),
      ),
    )
    if (options.meta) await this.applyMeta(path, options.meta)
    const stages = out.VersionStages ?? [options.stage === 'pending' ? AWSPENDING : AWSCURRENT]
    return versionInfo({id: token, stages, createdAt: this.context.now()})
  }

  async promote(path: string, options: PromoteOptions): Promise<void> {
    const secret = await this.requireSecret(path)
    this.requireLive(path, secret)
    this.requireOwned(path, secret)
    const versions = await this.listVersions(path)
    const target = versions.find((v) => v.id === options.versionId)
    if (!target) throw new NotFoundError(`${this.ref(path)} has no version ${options.versionId}`, this.about(path))
    if (target.stages.includes(AWSCURRENT)) {
      // Already promoted; finish the cleanup a crash may have left behind.
      if (target.stages.includes(AWSPENDING)) await this.removeStage(path, AWSPENDING, target.id)
      return
    }
    if (!target.stages.includes(AWSPENDING)) {
      throw new InvalidRequestError(`${this.ref(path)} version ${options.versionId} is ${roleOf(target.stages)}, not pending`, this.about(path))
    }
    const current = versions.find((v) => v.stages.includes(AWSCURRENT))
    if (current?.id !== options.expectedCurrent) throw this.moved(path, current?.id, options.expectedCurrent)
    try {
      // The compare-and-swap: AWS refuses the move unless RemoveFromVersionId still holds AWSCURRENT.
      await this.call('UpdateSecretVersionStage', path, () =>
        this.sdk.send(
          new UpdateSecretVersionStageCommand({
            SecretId: path,
            VersionStage: AWSCURRENT,
            MoveToVersionId: target.id,
            ...(options.expectedCurrent !== undefined ? {RemoveFromVersionId: options.expectedCurrent} : {}),
          }),
        ),
      )
    } catch (error) {
      if (error instanceof InvalidRequestError && (error.cause as {name?: string} | undefined)?.name === 'InvalidParameterException') {
        throw this.moved(path, undefined, options.expectedCurrent, error)
      }
      throw error
    }
    await this.removeStage(path, AWSPENDING, target.id)
  }

  /** Removes every label from the version: AWS has no disable, and no per-version destroy. */
  async retire(path: string, versionId: string, mode: 'disable' | 'destroy'): Promise<void> {
    if (mode === 'destroy') {
      throw new InvalidRequestError(`${this.ref(path)}: Secrets Manager cannot destroy one version`, {
        ...this.about(path),
        hint: 'retire with `disable` (labels removed; AWS deletes unlabelled versions itself), or delete the whole secret',
      })
    }
    const secret = await this.requireSecret(path)
    this.requireLive(path, secret)
    this.requireOwned(path, secret)
    const version = (await this.listVersions(path)).find((v) => v.id === versionId)
    if (!version) throw new NotFoundError(`${this.ref(path)} has no version ${versionId}`, this.about(path))
    if (version.stages.includes(AWSCURRENT)) {
      throw new InvalidRequestError(`refusing to retire ${this.ref(path)} version ${versionId}: it is current`, this.about(path))
    }
    for (const stage of version.stages) await this.removeStage(path, stage, versionId)
  }

  async setMeta(path: string, meta: RotorMeta): Promise<void> {
    const secret = await this.requireSecret(path)
    this.requireLive(path, secret)
    this.requireOwned(path, secret)
    await this.applyMeta(path, meta)
  }

  async adopt(path: string): Promise<void> {
    const secret = await this.requireSecret(path)
    this.requireLive(path, secret)
    await this.call('TagResource', path, () =>
      this.sdk.send(new TagResourceCommand({SecretId: path, Tags: [{Key: MANAGED_BY_KEY, Value: MANAGED_BY_VALUE}]})),
    )
  }

  async list(prefix: string): Promise<string[]> {
    const names: string[] = []
    let NextToken: string | undefined
    do {
      const out = await this.call('ListSecrets', undefined, () =>
        this.sdk.send(new ListSecretsCommand({MaxResults: 100, NextToken, ...(prefix ? {Filters: [{Key: 'name', Values: [prefix]}]} : {})})),
      )
      for (const s of out.SecretList ?? []) if (s.Name?.startsWith(prefix)) names.push(s.Name)
      NextToken = out.NextToken
    } while (NextToken)
    return names.sort()
  }

  async doctor(paths: string[]): Promise<DoctorCheck[]> {
    return awsDoctor(this, paths)
  }

  async close(): Promise<void> {
    this.sdk.destroy()
  }

  /** DescribeSecret, or undefined when there is no such secret. */
  async describeSecret(path: string): Promise<Described | undefined> {
    try {
      return await this.call('DescribeSecret', path, () => this.sdk.send(new DescribeSecretCommand({SecretId: path})))
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
  }

  /** Every version, unlabelled (deprecated) ones included, with its labels and creation time. */
  async listVersions(path: string): Promise<AwsVersion[]> {
    const versions: AwsVersion[] = []
    let NextToken: string | undefined
    do {
      const out = await this.call('ListSecretVersionIds', path, () =>
        this.sdk.send(new ListSecretVersionIdsCommand({SecretId: path, IncludeDeprecated: true, MaxResults: 100, NextToken})),
      )
      for (const v of out.Versions ?? []) {
        if (v.VersionId) versions.push({id: v.VersionId, stages: v.VersionStages ?? [], createdAt: v.CreatedDate ?? new Date(0)})
      }
      NextToken = out.NextToken
    } while (NextToken)
    return versions
  }

  ref(path: string): string {
    return `${this.storeName}:${path}`
  }

  private about(path: string) {
    return {store: this.storeName, ref: this.ref(path)}
  }

  private async requireSecret(path: string): Promise<Described> {
    const secret = await this.describeSecret(path)
    if (!secret) throw new NotFoundError(`${this.ref(path)} does not exist`, this.about(path))
    return secret
  }

  private requireLive(path: string, secret: Described): void {
    if (secret.DeletedDate) {
      throw new InvalidRequestError(`${this.ref(path)} is scheduled for deletion (deleted ${secret.DeletedDate.toISOString()})`, {
        ...this.about(path),
        hint: restoreHint(path),
      })
    }
  }

  private requireOwned(path: string, secret: Described): void {
    if (!splitTags(secret.Tags).owned) {
      throw new NotOwnedError(`${this.ref(path)} exists but is not managed by rotor`, {
        ...this.about(path),
        hint: 'set `adopt: true` on the secret in rotor.yaml to let rotor take it over (it adds the tag managed-by=rotor)',
      })
    }
  }

  private moved(path: string, actual: string | undefined, expected: string | undefined, cause?: unknown): ConflictError {
    const now = actual ? `current is ${actual}` : 'AWSCURRENT moved'
    return new ConflictError(`${this.ref(path)}: ${now}, expected ${expected ?? 'none'}; another writer moved it`, {
      ...this.about(path),
      hint: 'the next run reads the new state and starts over from it',
      cause,
    })
  }

  private async removeStage(path: string, stage: string, versionId: string): Promise<void> {
    await this.call('UpdateSecretVersionStage', path, () =>
      this.sdk.send(new UpdateSecretVersionStageCommand({SecretId: path, VersionStage: stage, RemoveFromVersionId: versionId})),
    )
  }

  private async applyMeta(path: string, meta: RotorMeta): Promise<void> {
    const {set, remove} = metaTags(meta)
    if (set.length > 0) await this.call('TagResource', path, () => this.sdk.send(new TagResourceCommand({SecretId: path, Tags: set})))
    if (remove.length > 0) await this.call('UntagResource', path, () => this.sdk.send(new UntagResourceCommand({SecretId: path, TagKeys: remove})))
  }
}

/**
 * Credentials: the SDK's default chain (environment, profile/SSO, web identity, container and
 * instance roles). The one difference: static keys are read from the environment rotor was
 * given (ProviderContext.env), which is process.env outside tests, so tests need not mutate it.
 */
export function sdkConfig(settings: AwsSettings, env: NodeJS.ProcessEnv): SecretsManagerClientConfig {
  // The middleware stack is resolved once per command type instead of on every request (about a
  // tenth of the CPU a bulk describe spends per call); rotor never changes the stack after creating the client.
  return {...awsSdkConfig(settings, env), cacheMiddleware: true}
}
