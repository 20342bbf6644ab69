/**
 * The state behind the AWS Secrets Manager emulator: secrets, versions and staging labels, with
 * the rules the real service enforces. Behaviour follows the Secrets Manager API reference
 * (PutSecretValue, UpdateSecretVersionStage, DeleteSecret, BatchGetSecretValue, ListSecrets
 * `Filter`) and, for exact error types and messages, what moto, LocalStack and floci validated
 * against AWS. Where the reference is silent the choice is commented.
 */
import {randomBytes} from 'node:crypto'

export const AWSCURRENT = 'AWSCURRENT'
export const AWSPREVIOUS = 'AWSPREVIOUS'
export const AWSPENDING = 'AWSPENDING'

/** An error the service answers with: `__type` + message, HTTP 400 unless said otherwise. */
export class AwsFault extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message)
  }
}

export interface EmuTag {
  Key: string
  Value: string
}

export interface EmuVersion {
  id: string
  secretString?: string
  secretBinary?: string
  stages: string[]
  createdAt: number
  lastAccessedAt?: number
}

export interface EmuSecret {
  name: string
  arn: string
  description?: string
  kmsKeyId?: string
  tags: EmuTag[]
  /** Insertion order is creation order. */
  versions: Map<string, EmuVersion>
  createdAt: number
  lastChangedAt: number
  /** When DeleteSecret was called; the secret is gone for good at `deletionDate`. */
  deletedAt?: number
  deletionDate?: number
}

export interface ModelOptions {
  region: string
  accountId: string
  now: () => number
  /** Versions a secret may hold before PutSecretValue fails with LimitExceededException. */
  maxVersions: number
}

const DAY_MS = 24 * 60 * 60 * 1000
const NAME_PATTERN = /^[A-Za-z0-9/_+=.@-]{1,512}$/

export const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000)

export class SecretsModel {
  readonly secrets = new Map<string, EmuSecret>()
  /**
   * What ListSecrets answers from while set: a copy taken earlier. "ListSecrets might not reflect
   * changes from the last five minutes" (API reference); DescribeSecret and ListSecretVersionIds
   * always see the live state.
   */
  listingView?: Map<string, EmuSecret>

  constructor(readonly options: ModelOptions) {}

  now(): number {
    return this.options.now()
  }

  /** Name, full ARN, or partial ARN (the ARN without its random suffix), as the service accepts. */
  find(secretId: unknown): EmuSecret | undefined {
    if (typeof secretId !== 'string' || secretId.length === 0) {
      throw new AwsFault('ValidationException', "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null")
    }
    this.purgeExpired()
    const byName = this.secrets.get(secretId)
    if (byName) return byName
    for (const secret of this.secrets.values()) {
      if (secret.arn === secretId || secret.arn.slice(0, -7) === secretId) return secret
    }
    return undefined
  }

  require(secretId: unknown): EmuSecret {
    const secret = this.find(secretId)
    if (!secret) throw new AwsFault('ResourceNotFoundException', "Secrets Manager can't find the specified secret.")
    return secret
  }

  /** Most operations refuse a secret that is scheduled for deletion until RestoreSecret. */
  requireLive(secretId: unknown): EmuSecret {
    const secret = this.require(secretId)
    if (secret.deletedAt !== undefined) {
      throw new AwsFault('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.")
    }
    return secret
  }

  create(name: unknown, fields: {description?: string; kmsKeyId?: string; tags?: EmuTag[]}): EmuSecret {
    if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
      throw new AwsFault(
        'InvalidParameterException',
        'Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!',
      )
    }
    const suffix = randomBytes(6).toString('base64url').replace(/[-_]/g, 'x').slice(0, 6)
    const now = this.now()
    const secret: EmuSecret = {
      name,
      arn: `arn:aws:secretsmanager:${this.options.region}:${this.options.accountId}:secret:${name}-${suffix}`,
      ...(fields.description !== undefined ? {description: fields.description} : {}),
      ...(fields.kmsKeyId !== undefined ? {kmsKeyId: fields.kmsKeyId} : {}),
      tags: [],
      versions: new Map(),
      createdAt: now,
      lastChangedAt: now,
    }
    if (fields.tags) this.tag(secret, fields.tags)
    this.secrets.set(name, secret)
    return secret
  }

  /**
   * Adds a version with these labels. A label sits on one version at a time, so each label is
   * taken from wherever it was; when AWSCURRENT moves, the version it left gets AWSPREVIOUS.
   * The first version of a secret always gets AWSCURRENT.
   */
  addVersion(secret: EmuSecret, id: string, value: {secretString?: string; secretBinary?: string}, stages: string[]): EmuVersion {
    this.pruneDeprecated(secret)
    if (secret.versions.size >= this.options.maxVersions) {
      throw new AwsFault(
        'LimitExceededException',
        `You have exceeded the maximum number of versions (${this.options.maxVersions}) for this secret. Versions without staging labels are removed after 24 hours.`,
      )
    }
    const labels = new Set(stages)
    if (this.holder(secret, AWSCURRENT) === undefined) labels.add(AWSCURRENT)
    const version: EmuVersion = {id, ...value, stages: [], createdAt: this.now()}
    secret.versions.set(id, version)
    for (const label of labels) this.attach(secret, label, version)
    secret.lastChangedAt = this.now()
    return version
  }

  holder(secret: EmuSecret, label: string): EmuVersion | undefined {
    for (const version of secret.versions.values()) if (version.stages.includes(label)) return version
    return undefined
  }

  /** Moves `label` onto `version`, with the AWSCURRENT -> AWSPREVIOUS rule. */
  attach(secret: EmuSecret, label: string, version: EmuVersion): void {
    const from = this.holder(secret, label)
    if (from === version) return
    if (from) detach(from, label)
    version.stages.push(label)
    if (label === AWSCURRENT) {
      const previous = this.holder(secret, AWSPREVIOUS)
      if (previous) detach(previous, AWSPREVIOUS)
      if (from) from.stages.push(AWSPREVIOUS)
      detach(version, AWSPREVIOUS)
    }
  }

  tag(secret: EmuSecret, tags: EmuTag[]): void {
    for (const tag of tags) {
      if (typeof tag?.Key !== 'string' || tag.Key.length < 1 || tag.Key.length > 128 || typeof tag.Value !== 'string' || tag.Value.length > 256) {
        throw new AwsFault('ValidationException', '1 validation error detected: a tag key must be 1-128 characters and a value at most 256')
      }
      if (tag.Key.startsWith('aws:')) throw new AwsFault('InvalidParameterException', 'Tag keys starting with "aws:" are reserved.')
      const existing = secret.tags.find((t) => t.Key === tag.Key)
      if (existing) existing.Value = tag.Value
      else secret.tags.push({Key: tag.Key, Value: tag.Value})
    }
    if (secret.tags.length > 50) throw new AwsFault('ValidationException', 'A secret can have at most 50 tags.')
  }

  /** The service removes unlabelled versions once a secret holds more than 100 and they are over a day old. */
  private pruneDeprecated(secret: EmuSecret): void {
    if (secret.versions.size < this.options.maxVersions) return
    for (const [id, version] of secret.versions) {
      if (secret.versions.size < this.options.maxVersions) break
      if (version.stages.length === 0 && this.now() - version.createdAt > DAY_MS) secret.versions.delete(id)
    }
  }

  /** Secrets past their recovery window are gone for good. */
  purgeExpired(): void {
    for (const [name, secret] of this.secrets) {
      if (secret.deletionDate !== undefined && secret.deletionDate <= this.now()) this.secrets.delete(name)
    }
  }
}

function detach(version: EmuVersion, label: string): void {
  version.stages = version.stages.filter((s) => s !== label)
}

export function valueOf(body: Record<string, unknown>): {secretString?: string; secretBinary?: string} {
  const secretString = body.SecretString
  const secretBinary = body.SecretBinary
  if (secretString !== undefined && secretBinary !== undefined) {
    throw new AwsFault('InvalidParameterException', 'You must provide either SecretString or SecretBinary, but not both.')
  }
  if (typeof secretString === 'string') {
    if (Buffer.byteLength(secretString) > 65_536) {
      throw new AwsFault('ValidationException', "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length less than or equal to 65536")
    }
    return {secretString}
  }
  if (typeof secretBinary === 'string') return {secretBinary}
  return {}
}

export function sameValue(version: EmuVersion, value: {secretString?: string; secretBinary?: string}): boolean {
  return version.secretString === value.secretString && version.secretBinary === value.secretBinary
}

export function checkToken(token: unknown, required: boolean): string | undefined {
  if (token === undefined || token === null) {
    if (required) throw new AwsFault('InvalidRequestException', 'You must provide a ClientRequestToken value. We recommend a UUID-type value.')
    return undefined
  }
  if (typeof token !== 'string' || token.length < 32 || token.length > 64) {
    throw new AwsFault(
      'ValidationException',
      "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length between 32 and 64",
    )
  }
  return token
}
