/**
 * How Key Vault notions map onto rotor's (DESIGN.md, "Roles per store"):
 * - Key Vault has no labels: the order of versions decides. `current` is the newest enabled
 *   version (SetSecret makes each new version the latest at once); `previous` is the version just
 *   before it, while enabled; every other version is `retired` (disabled ones, and older ones
 *   still enabled until rotor disables them). Deriving roles from order rather than from a role
 *   tag per version means a crash between two calls can never leave two versions claiming one
 *   role, and a version written outside rotor takes its true place.
 * - Order: `created` is in whole seconds and versions are listed by id, not by time, so every
 *   version rotor writes carries `rotor-seq` (one more than the highest before it); ties in
 *   `created` fall back to it. When the newest second also holds a version someone else wrote,
 *   the adapter asks the vault for its latest version (one extra GET) to settle `current`.
 * - Tags live on versions, not on the secret (the portal's "secret tags" are the latest
 *   version's). rotor keeps secret-level state on the current version and copies it forward on
 *   each write: `managed-by`, the secret's labels, `rotor-path`, and RotorMeta as `rotor:<key>`.
 *   Per version: `rotor-rotation` (the rotation that wrote it) and `rotor-seq`.
 * - Key Vault allows 15 tags per version; rotor uses 4 plus one per meta key (4 after a
 *   promotion, 2 more while a run holds a lease), leaving 5 for labels.
 */
import {InvalidRequestError} from '../../src/errors/index.js'
import {MANAGED_BY_KEY, MANAGED_BY_VALUE, type Role, type RotorMeta, type VersionInfo} from '../types.js'

export const PATH_TAG = 'rotor-path'
export const ROTATION_TAG = 'rotor-rotation'
export const SEQ_TAG = 'rotor-seq'
export const META_TAG_PREFIX = 'rotor:'
export const MAX_TAGS = 15

export interface KvVersion {
  id: string
  createdAt: Date
  enabled: boolean
  expiresOn?: Date
  tags: Record<string, string>
}

export interface RoledVersion extends KvVersion {
  role: Role
}

const seqOf = (v: KvVersion) => {
  const seq = Number(v.tags[SEQ_TAG])
  return Number.isInteger(seq) && seq >= 0 ? seq : -1
}

/**
 * True when the newest versions share a `created` second and one of them was not written by
 * rotor: only the vault can then say which is latest.
 */
export function latestIsAmbiguous(versions: KvVersion[]): boolean {
  const newest = Math.max(...versions.map((v) => v.createdAt.getTime()))
  const tied = versions.filter((v) => v.createdAt.getTime() === newest)
  return tied.length > 1 && tied.some((v) => seqOf(v) < 0)
}

/** Newest first, with roles; `latestId`, when the vault named it, goes first. */
export function withRoles(versions: KvVersion[], latestId?: string): RoledVersion[] {
  const ordered = [...versions].sort(
    (a, b) =>
      Number(b.id === latestId) - Number(a.id === latestId) ||
      b.createdAt.getTime() - a.createdAt.getTime() ||
      seqOf(b) - seqOf(a) ||
      b.id.localeCompare(a.id),
  )
  const currentAt = ordered.findIndex((v) => v.enabled)
  return ordered.map((v, i) => {
    let role: Role = 'retired'
    if (i === currentAt) role = 'current'
    else if (currentAt >= 0 && i === currentAt + 1 && v.enabled) role = 'previous'
    return {...v, role}
  })
}

export function versionInfo(v: RoledVersion): VersionInfo {
  const rotationId = v.tags[ROTATION_TAG]
  return {id: v.id, createdAt: v.createdAt, role: v.role, enabled: v.enabled, destroyed: false, ...(rotationId ? {rotationId} : {})}
}

export const nextSeq = (versions: KvVersion[]) => Math.max(-1, ...versions.map(seqOf)) + 1

const isSystemTag = (key: string) => key === PATH_TAG || key === ROTATION_TAG || key === SEQ_TAG || key.startsWith(META_TAG_PREFIX)

export function splitTags(tags: Record<string, string> | undefined): {labels: Record<string, string>; meta: RotorMeta; owned: boolean} {
  const labels: Record<string, string> = {}
  const meta: RotorMeta = {}
  for (const [key, value] of Object.entries(tags ?? {})) {
    if (key.startsWith(META_TAG_PREFIX)) meta[key.slice(META_TAG_PREFIX.length)] = value
    else if (!isSystemTag(key)) labels[key] = value
  }
  return {labels, meta, owned: labels[MANAGED_BY_KEY] === MANAGED_BY_VALUE}
}

/** Secret-level tags (labels, ownership, meta) of `from`, without its per-version ones. */
export function secretLevelTags(from: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(from ?? {})) if (key !== ROTATION_TAG && key !== SEQ_TAG) out[key] = value
  return out
}

export function mergeMeta(tags: Record<string, string>, meta: RotorMeta | undefined): Record<string, string> {
  const out = {...tags}
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (value === undefined) delete out[`${META_TAG_PREFIX}${key}`]
    else out[`${META_TAG_PREFIX}${key}`] = value
  }
  return out
}

export interface NewVersionTags {
  path: string
  rotationId: string
  seq: number
  /** Tags of the version being replaced; absent when the secret is new. */
  inherit?: Record<string, string>
  labels?: Record<string, string>
  meta?: RotorMeta
}

export function tagsForNewVersion(input: NewVersionTags): Record<string, string> {
  const base = input.inherit ? secretLevelTags(input.inherit) : {...input.labels}
  const tags = mergeMeta(base, input.meta)
  tags[MANAGED_BY_KEY] = MANAGED_BY_VALUE
  tags[PATH_TAG] = input.path
  tags[ROTATION_TAG] = input.rotationId
  tags[SEQ_TAG] = String(input.seq)
  return tags
}

/** Key Vault refuses more than 15 tags; say which of ours push it over before asking. */
export function checkTagCount(tags: Record<string, string>, about: {store: string; ref: string}): void {
  const count = Object.keys(tags).length
  if (count <= MAX_TAGS) return
  throw new InvalidRequestError(`${about.ref}: would need ${count} tags; Key Vault allows ${MAX_TAGS} per version`, {
    ...about,
    hint: 'rotor uses 4 tags plus one per meta key (up to 6); keep at most 5 labels on Azure targets',
  })
}
