/**
 * One handler per Secrets Manager operation rotor uses: JSON 1.1 request body in, response body
 * out, AwsFault for errors. Semantics from the API reference of each operation (see model.ts).
 */
import {randomUUID} from 'node:crypto'
import {
  AWSCURRENT,
  AwsFault,
  checkToken,
  type EmuSecret,
  type EmuTag,
  type EmuVersion,
  sameValue,
  seconds,
  type SecretsModel,
  valueOf,
} from './model.js'
import {matchesFilters, page, validateFilters} from './listing.js'

type Body = Record<string, unknown>
export type Handler = (model: SecretsModel, body: Body, ctx: OperationContext) => unknown

export interface OperationContext {
  /** Throws AccessDeniedException when the caller may not do `action` on this secret. */
  authorize(action: string, secretId?: string): void
}

const short = (secret: EmuSecret) => ({ARN: secret.arn, Name: secret.name})

function versionEntry(secret: EmuSecret, version: EmuVersion) {
  return {
    ...short(secret),
    VersionId: version.id,
    ...(version.secretString !== undefined ? {SecretString: version.secretString} : {}),
    ...(version.secretBinary !== undefined ? {SecretBinary: version.secretBinary} : {}),
    VersionStages: [...version.stages],
    CreatedDate: seconds(version.createdAt),
  }
}

function describeEntry(secret: EmuSecret, stagesKey: 'VersionIdsToStages' | 'SecretVersionsToStages') {
  const stages: Record<string, string[]> = {}
  // Only labelled versions are listed: unlabelled ones are deprecated.
  for (const v of secret.versions.values()) if (v.stages.length > 0) stages[v.id] = [...v.stages]
  return {
    ...short(secret),
    ...(secret.description !== undefined ? {Description: secret.description} : {}),
    ...(secret.kmsKeyId !== undefined ? {KmsKeyId: secret.kmsKeyId} : {}),
    LastChangedDate: seconds(secret.lastChangedAt),
    ...lastAccessed(secret),
    CreatedDate: seconds(secret.createdAt),
    ...(secret.deletedAt !== undefined ? {DeletedDate: seconds(secret.deletedAt)} : {}),
    Tags: secret.tags.map((t) => ({...t})),
    ...(Object.keys(stages).length > 0 ? {[stagesKey]: stages} : {}),
  }
}

/** AWS reports the last read of any version, truncated to the day, and omits it before the first read. */
function lastAccessed(secret: EmuSecret): {LastAccessedDate?: number} {
  const reads = [...secret.versions.values()].flatMap((v) => (v.lastAccessedAt !== undefined ? [v.lastAccessedAt] : []))
  if (reads.length === 0) return {}
  const day = 86_400_000
  return {LastAccessedDate: seconds(Math.floor(Math.max(...reads) / day) * day)}
}

function tagsOf(value: unknown): EmuTag[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value)) throw new AwsFault('ValidationException', 'Tags must be a list')
  return value as EmuTag[]
}

function stagesOf(value: unknown): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || value.length < 1 || value.length > 20 || value.some((s) => typeof s !== 'string' || s.length < 1 || s.length > 256)) {
    throw new AwsFault('ValidationException', "1 validation error detected: Value at 'versionStages' failed to satisfy constraint: Member must have length between 1 and 20")
  }
  return value as string[]
}

const createSecret: Handler = (model, body, ctx) => {
  ctx.authorize('CreateSecret', body.Name as string)
  const token = checkToken(body.ClientRequestToken, false) ?? randomUUID()
  const value = valueOf(body)
  const existing = model.find(body.Name)
  if (existing) {
    if (existing.deletedAt !== undefined) {
      throw new AwsFault('InvalidRequestException', "You can't create this secret because a secret with this name is already scheduled for deletion.")
    }
    // The same token and value again is the idempotent retry the reference describes.
    const same = existing.versions.get(token)
    if (same && sameValue(same, value)) return {...short(existing), VersionId: token}
    throw new AwsFault('ResourceExistsException', `The operation failed because the secret ${existing.name} already exists.`)
  }
  const secret = model.create(body.Name, {
    description: body.Description as string | undefined,
    kmsKeyId: body.KmsKeyId as string | undefined,
    tags: tagsOf(body.Tags),
  })
  if (value.secretString === undefined && value.secretBinary === undefined) return short(secret)
  model.addVersion(secret, token, value, [AWSCURRENT])
  return {...short(secret), VersionId: token}
}

const putSecretValue: Handler = (model, body, ctx) => {
  ctx.authorize('PutSecretValue', body.SecretId as string)
  const secret = model.requireLive(body.SecretId)
  const token = checkToken(body.ClientRequestToken, true)!
  const value = valueOf(body)
  if (value.secretString === undefined && value.secretBinary === undefined) {
    throw new AwsFault('InvalidRequestException', 'You must provide either SecretString or SecretBinary.')
  }
  const stages = stagesOf(body.VersionStages) ?? [AWSCURRENT]
  const existing = secret.versions.get(token)
  if (existing) {
    if (!sameValue(existing, value)) {
      throw new AwsFault(
        'ResourceExistsException',
        `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${secret.arn}.`,
      )
    }
    return {...short(secret), VersionId: token, VersionStages: [...existing.stages]}
  }
  const version = model.addVersion(secret, token, value, stages)
  return {...short(secret), VersionId: token, VersionStages: [...version.stages]}
}

const getSecretValue: Handler = (model, body, ctx) => {
  ctx.authorize('GetSecretValue', body.SecretId as string)
  const secret = model.requireLive(body.SecretId)
  return versionEntry(secret, selectVersion(model, secret, body.VersionId, body.VersionStage))
}

function selectVersion(model: SecretsModel, secret: EmuSecret, versionId: unknown, stage: unknown): EmuVersion {
  let version: EmuVersion | undefined
  if (typeof versionId === 'string') {
    version = secret.versions.get(versionId)
    if (!version) throw new AwsFault('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for VersionId: ${versionId}`)
    if (typeof stage === 'string' && !version.stages.includes(stage)) {
      throw new AwsFault('InvalidRequestException', 'You provided a VersionStage that is not associated to the provided VersionId.')
    }
  } else {
    const label = typeof stage === 'string' ? stage : AWSCURRENT
    version = model.holder(secret, label)
    if (!version) throw new AwsFault('ResourceNotFoundException', `Secrets Manager can't find the specified secret value for staging label: ${label}`)
  }
  version.lastAccessedAt = model.now()
  return version
}

const describeSecret: Handler = (model, body, ctx) => {
  ctx.authorize('DescribeSecret', body.SecretId as string)
  return describeEntry(model.require(body.SecretId), 'VersionIdsToStages')
}

const listSecretVersionIds: Handler = (model, body, ctx) => {
  ctx.authorize('ListSecretVersionIds', body.SecretId as string)
  const secret = model.require(body.SecretId)
  const versions = [...secret.versions.values()]
    .filter((v) => body.IncludeDeprecated === true || v.stages.length > 0)
    .map((v) => ({
      VersionId: v.id,
      VersionStages: [...v.stages],
      CreatedDate: seconds(v.createdAt),
      ...(v.lastAccessedAt !== undefined ? {LastAccessedDate: seconds(v.lastAccessedAt)} : {}),
    }))
  const {items, nextToken} = page(versions, body.MaxResults, body.NextToken, 100)
  return {...short(secret), Versions: items, ...(nextToken ? {NextToken: nextToken} : {})}
}

const updateSecretVersionStage: Handler = (model, body, ctx) => {
  ctx.authorize('UpdateSecretVersionStage', body.SecretId as string)
  const secret = model.requireLive(body.SecretId)
  const label = body.VersionStage
  if (typeof label !== 'string' || label.length < 1 || label.length > 256) {
    throw new AwsFault('ValidationException', "1 validation error detected: Value at 'versionStage' failed to satisfy constraint: Member must not be null")
  }
  const removeFrom = body.RemoveFromVersionId as string | undefined
  const moveTo = body.MoveToVersionId as string | undefined
  if (removeFrom === undefined && moveTo === undefined) {
    throw new AwsFault('InvalidParameterException', 'You must specify MoveToVersionId, RemoveFromVersionId, or both.')
  }
  const holder = model.holder(secret, label)
  const source = removeFrom === undefined ? undefined : secret.versions.get(removeFrom)
  if (removeFrom !== undefined && !source) throw new AwsFault('InvalidParameterException', `Not a valid version: ${removeFrom}`)
  const target = moveTo === undefined ? undefined : secret.versions.get(moveTo)
  if (moveTo !== undefined && !target) throw new AwsFault('InvalidParameterException', `Not a valid version: ${moveTo}`)
  // The compare-and-swap: RemoveFromVersionId must name the version that holds the label now.
  if (source && holder !== source) {
    throw new AwsFault(
      'InvalidParameterException',
      `The staging label ${label} is not attached to version ${removeFrom}${holder ? `; it is attached to version ${holder.id}` : ''}.`,
    )
  }
  if (target && holder && holder !== target && !source) {
    throw new AwsFault(
      'InvalidParameterException',
      `The parameter RemoveFromVersionId can't be empty. Staging label ${label} is currently attached to version ${holder.id}, so you must explicitly reference that version in RemoveFromVersionId.`,
    )
  }
  if (label === AWSCURRENT && !target) {
    throw new AwsFault('InvalidParameterException', 'You can only move staging label AWSCURRENT to a different secret version. It can’t be completely removed.')
  }
  if (target) model.attach(secret, label, target)
  else if (source) source.stages = source.stages.filter((s) => s !== label)
  secret.lastChangedAt = model.now()
  return short(secret)
}

const tagResource: Handler = (model, body, ctx) => {
  ctx.authorize('TagResource', body.SecretId as string)
  const secret = model.requireLive(body.SecretId)
  model.tag(secret, tagsOf(body.Tags) ?? [])
  return {}
}

const untagResource: Handler = (model, body, ctx) => {
  ctx.authorize('UntagResource', body.SecretId as string)
  const secret = model.requireLive(body.SecretId)
  const keys = Array.isArray(body.TagKeys) ? (body.TagKeys as string[]) : []
  secret.tags = secret.tags.filter((t) => !keys.includes(t.Key))
  return {}
}

const listSecrets: Handler = (model, body, ctx) => {
  ctx.authorize('ListSecrets')
  const filters = validateFilters(body.Filters)
  model.purgeExpired()
  const selected = [...(model.listingView ?? model.secrets).values()]
    .filter((s) => body.IncludePlannedDeletion === true || s.deletedAt === undefined)
    .filter((s) => matchesFilters(s, filters))
    .sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name))
  if (body.SortOrder === 'desc') selected.reverse()
  const {items, nextToken} = page(selected, body.MaxResults, body.NextToken, 100)
  return {SecretList: items.map((s) => describeEntry(s, 'SecretVersionsToStages')), ...(nextToken ? {NextToken: nextToken} : {})}
}

const batchGetSecretValue: Handler = (model, body, ctx) => {
  ctx.authorize('BatchGetSecretValue')
  const ids = body.SecretIdList
  const hasFilters = body.Filters !== undefined
  if ((ids === undefined) === !hasFilters) {
    throw new AwsFault('InvalidParameterException', "Either 'SecretIdList' or 'Filters' must be provided, but not both.")
  }
  if (body.MaxResults !== undefined && !hasFilters) {
    throw new AwsFault('InvalidParameterException', "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided.")
  }
  const values: unknown[] = []
  const errors: unknown[] = []
  const fetch = (secretId: string) => {
    try {
      ctx.authorize('GetSecretValue', secretId)
      const secret = model.requireLive(secretId)
      values.push(versionEntry(secret, selectVersion(model, secret, undefined, undefined)))
    } catch (error) {
      if (!(error instanceof AwsFault)) throw error
      errors.push({SecretId: secretId, ErrorCode: error.type, Message: error.message})
    }
  }
  if (!hasFilters) {
    if (!Array.isArray(ids) || ids.length < 1 || ids.length > 20) {
      throw new AwsFault('ValidationException', "1 validation error detected: Value at 'secretIdList' failed to satisfy constraint: Member must have length between 1 and 20")
    }
    for (const id of ids as string[]) fetch(id)
    return {SecretValues: values, Errors: errors}
  }
  // With filters the caller also needs secretsmanager:ListSecrets.
  ctx.authorize('ListSecrets')
  const filters = validateFilters(body.Filters)
  model.purgeExpired()
  const selected = [...model.secrets.values()].filter((s) => s.deletedAt === undefined && matchesFilters(s, filters))
  const {items, nextToken} = page(selected, body.MaxResults, body.NextToken, 20)
  for (const secret of items) fetch(secret.name)
  return {SecretValues: values, Errors: errors, ...(nextToken ? {NextToken: nextToken} : {})}
}

const deleteSecret: Handler = (model, body, ctx) => {
  ctx.authorize('DeleteSecret', body.SecretId as string)
  const window = body.RecoveryWindowInDays as number | undefined
  const force = body.ForceDeleteWithoutRecovery === true
  if (window !== undefined && force) {
    throw new AwsFault('InvalidParameterException', "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.")
  }
  if (window !== undefined && (window < 7 || window > 30)) {
    throw new AwsFault('InvalidParameterException', 'The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).')
  }
  const secret = model.require(body.SecretId)
  const now = model.now()
  if (force) {
    model.secrets.delete(secret.name)
    return {...short(secret), DeletionDate: seconds(now)}
  }
  if (secret.deletedAt !== undefined) {
    throw new AwsFault('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.")
  }
  secret.deletedAt = now
  secret.deletionDate = now + (window ?? 30) * 24 * 60 * 60 * 1000
  return {...short(secret), DeletionDate: seconds(secret.deletionDate)}
}

const restoreSecret: Handler = (model, body, ctx) => {
  ctx.authorize('RestoreSecret', body.SecretId as string)
  const secret = model.require(body.SecretId)
  delete secret.deletedAt
  delete secret.deletionDate
  return short(secret)
}

export const operations: Record<string, Handler> = {
  CreateSecret: createSecret,
  PutSecretValue: putSecretValue,
  GetSecretValue: getSecretValue,
  DescribeSecret: describeSecret,
  ListSecretVersionIds: listSecretVersionIds,
  UpdateSecretVersionStage: updateSecretVersionStage,
  TagResource: tagResource,
  UntagResource: untagResource,
  ListSecrets: listSecrets,
  BatchGetSecretValue: batchGetSecretValue,
  DeleteSecret: deleteSecret,
  RestoreSecret: restoreSecret,
}

export type OperationName = keyof typeof operations
