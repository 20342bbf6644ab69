/**
 * How AWS notions map onto rotor's (DESIGN.md, "Roles per store"):
 * - roles are staging labels: AWSPENDING = pending, AWSCURRENT = current, AWSPREVIOUS =
 *   previous; a version without them is `retired` (AWS calls it deprecated and deletes it once a
 *   secret has more than 100 versions and it is over a day old);
 * - a version is `enabled` while it carries any label, since readers can only reach a version by
 *   a label in practice; there is no per-version disable or destroy;
 * - rotor's meta lives in secret tags prefixed `rotor:`; other tags are the secret's labels.
 */
import type {Tag} from '@aws-sdk/client-secrets-manager'
import {type Leftover, MANAGED_BY_KEY, MANAGED_BY_VALUE, type Role, type RotorMeta, type SecretSnapshot, type VersionInfo} from '../types.js'
import {rotationIdFromVersionId} from './tokens.js'

export const AWSCURRENT = 'AWSCURRENT'
export const AWSPENDING = 'AWSPENDING'
export const AWSPREVIOUS = 'AWSPREVIOUS'
export const META_TAG_PREFIX = 'rotor:'

export const stageFor: Record<Exclude<Role, 'retired'>, string> = {
  pending: AWSPENDING,
  current: AWSCURRENT,
  previous: AWSPREVIOUS,
}

export function roleOf(stages: readonly string[]): Role {
  if (stages.includes(AWSCURRENT)) return 'current'
  if (stages.includes(AWSPENDING)) return 'pending'
  if (stages.includes(AWSPREVIOUS)) return 'previous'
  return 'retired'
}

export interface AwsVersion {
  id: string
  stages: string[]
  createdAt: Date
}

export function versionInfo(version: AwsVersion): VersionInfo {
  const rotationId = rotationIdFromVersionId(version.id)
  return {
    id: version.id,
    createdAt: version.createdAt,
    role: roleOf(version.stages),
    enabled: version.stages.length > 0,
    destroyed: false,
    ...(rotationId ? {rotationId} : {}),
  }
}

/**
 * Promotion is two requests (move AWSCURRENT, then remove AWSPENDING): a cut between them leaves
 * AWSPENDING on the current version, which no role expresses. Reported so the next run removes it.
 */
export function leftoversOf(versions: readonly AwsVersion[]): {leftovers?: Leftover[]} {
  const leftovers = versions
    .filter((v) => v.stages.includes(AWSCURRENT) && v.stages.includes(AWSPENDING))
    .map((v) => ({versionId: v.id, detail: `${AWSPENDING} still on the ${AWSCURRENT} version ${v.id} (a promotion was cut off)`}))
  return leftovers.length > 0 ? {leftovers} : {}
}

const roleRank: Record<Role, number> = {pending: 0, current: 1, previous: 2, retired: 3}

/** Newest first; same-millisecond versions fall back to their role, pending before current. */
export function newestFirst(a: VersionInfo, b: VersionInfo): number {
  return b.createdAt.getTime() - a.createdAt.getTime() || roleRank[a.role] - roleRank[b.role] || a.id.localeCompare(b.id)
}

export function splitTags(tags: Tag[] | undefined): {labels: Record<string, string>; meta: RotorMeta; owned: boolean} {
  const labels: Record<string, string> = {}
  const meta: RotorMeta = {}
  for (const {Key, Value} of tags ?? []) {
    if (Key === undefined) continue
    if (Key.startsWith(META_TAG_PREFIX)) meta[Key.slice(META_TAG_PREFIX.length)] = Value ?? ''
    else labels[Key] = Value ?? ''
  }
  return {labels, meta, owned: labels[MANAGED_BY_KEY] === MANAGED_BY_VALUE}
}

export function metaTags(meta: RotorMeta): {set: Tag[]; remove: string[]} {
  const set: Tag[] = []
  const remove: string[] = []
  for (const [key, value] of Object.entries(meta)) {
    if (value === undefined) remove.push(`${META_TAG_PREFIX}${key}`)
    else set.push({Key: `${META_TAG_PREFIX}${key}`, Value: value})
  }
  return {set, remove}
}

export function creationTags(labels: Record<string, string> | undefined, meta: RotorMeta | undefined): Tag[] {
  const tags: Tag[] = Object.entries(labels ?? {})
    .filter(([key]) => key !== MANAGED_BY_KEY)
    .map(([Key, Value]) => ({Key, Value}))
  tags.push({Key: MANAGED_BY_KEY, Value: MANAGED_BY_VALUE})
  if (meta) tags.push(...metaTags(meta).set)
  return tags
}


/** What DescribeSecret and a ListSecrets entry both carry that a snapshot needs. */
export interface SecretHeader {
  Tags?: Tag[]
  DeletedDate?: Date
  LastAccessedDate?: Date
}

/** The snapshot of an existing secret from its header and its versions (ListSecretVersionIds). */
export function snapshotOf(path: string, secret: SecretHeader, versions: readonly AwsVersion[]): SecretSnapshot {
  const {labels, meta, owned} = splitTags(secret.Tags)
  // Surfaced so `status` and `doctor` can say why writes will be refused.
  if (secret.DeletedDate) meta.scheduledForDeletion = secret.DeletedDate.toISOString()
  return {
    path,
    exists: true,
    owned,
    versions: versions.map(versionInfo).sort(newestFirst),
    ...leftoversOf(versions),
    meta,
    labels,
    ...(secret.LastAccessedDate ? {lastAccessedAt: secret.LastAccessedDate} : {}),
  }
}

/**
 * True when the labelled versions of a listing entry are exactly those a fresh
 * ListSecretVersionIds shows. ListSecrets may lag up to five minutes behind; an entry that
 * disagrees is stale, and its tags (rotor's meta) may be too.
 */
export function sameLabels(listed: Record<string, string[]> | undefined, versions: readonly AwsVersion[]): boolean {
  const labelled = versions.filter((v) => v.stages.length > 0)
  const entries = Object.entries(listed ?? {})
  if (entries.length !== labelled.length) return false
  const key = (stages: readonly string[]) => [...stages].sort().join(',')
  return labelled.every((v) => listed?.[v.id] !== undefined && key(listed[v.id]) === key(v.stages))
}
