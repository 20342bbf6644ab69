/**
 * How rotor's state sits in a KV v2 secret's custom_metadata, and how roles are read from the
 * key metadata. Layout (see docs/stores/vault.md):
 *   managed-by            = rotor                  ownership (a label)
 *   <any key not rotor.*> = labels
 *   rotor.meta.<key>      = RotorMeta values (rotationId, promotedAt, graceEndsAt, ...)
 *   rotor.rotation.<N>    = id of the rotation that wrote version N, for the newest
 *                           KEEP_ROTATION_IDS versions rotor wrote (older records are pruned)
 * Vault allows 64 keys, keys up to 128 bytes and values up to 512 bytes, printable only; rotor
 * checks the merged result before it writes, so a write never fails half-way on a limit.
 *
 * Roles: every KV v2 write is current at once, and writes with `cas` leave no gap, so the
 * version that was current before the latest write is always current_version - 1. previous is
 * therefore derived from the key metadata, not from a pointer of its own: metadata writes have
 * no CAS in Vault, and a stored pointer could go stale after a crash or a foreign write.
 */
import {MANAGED_BY_KEY, MANAGED_BY_VALUE, type Role, type RotorMeta, type SecretSnapshot, type VersionInfo} from '../types.js'

export const META_PREFIX = 'rotor.meta.'
export const ROTATION_PREFIX = 'rotor.rotation.'
const ROTOR_PREFIX = 'rotor.'
/** current, previous and the one before: enough for idempotent retries and `status`. */
export const KEEP_ROTATION_IDS = 3
export const CUSTOM_METADATA_LIMITS = {keys: 64, keyBytes: 128, valueBytes: 512} as const

export interface VersionMetadata {
  created_time: string
  deletion_time: string
  destroyed: boolean
}

/** The `data` of GET <mount>/metadata/<path>. */
export interface KeyMetadata {
  current_version: number
  oldest_version: number
  versions: Record<string, VersionMetadata>
  custom_metadata: Record<string, string> | null
}

export interface ParsedCustomMetadata {
  labels: Record<string, string>
  meta: RotorMeta
  rotations: Map<number, string>
}

/** A merge patch for custom_metadata: null removes a key. */
export type CustomMetadataPatch = Record<string, string | null>

export function parseCustomMetadata(custom: Record<string, string> | null | undefined): ParsedCustomMetadata {
  const parsed: ParsedCustomMetadata = {labels: {}, meta: {}, rotations: new Map()}
  for (const [key, value] of Object.entries(custom ?? {})) {
    if (key.startsWith(META_PREFIX)) parsed.meta[key.slice(META_PREFIX.length)] = value
    else if (key.startsWith(ROTATION_PREFIX)) {
      const version = Number(key.slice(ROTATION_PREFIX.length))
      if (Number.isInteger(version) && version > 0) parsed.rotations.set(version, value)
    } else if (!key.startsWith(ROTOR_PREFIX)) parsed.labels[key] = value
  }
  return parsed
}

export const isOwned = (custom: Record<string, string> | null | undefined) => custom?.[MANAGED_BY_KEY] === MANAGED_BY_VALUE

export function metaPatch(meta: RotorMeta): CustomMetadataPatch {
  return Object.fromEntries(Object.entries(meta).map(([key, value]) => [`${META_PREFIX}${key}`, value ?? null]))
}

/** Record the rotation of a new version and forget the records that fell out of the window. */
export function rotationPatch(recorded: Map<number, string>, version: number, rotationId: string): CustomMetadataPatch {
  const patch: CustomMetadataPatch = {[`${ROTATION_PREFIX}${version}`]: rotationId}
  for (const n of recorded.keys()) if (n <= version - KEEP_ROTATION_IDS) patch[`${ROTATION_PREFIX}${n}`] = null
  return patch
}

export function applyPatch(custom: Record<string, string> | null | undefined, patch: CustomMetadataPatch): Record<string, string> {
  const merged = {...custom}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key]
    else merged[key] = value
  }
  return merged
}

/** The first limit the map breaks, or undefined. Messages name keys, never values. */
export function customMetadataProblem(custom: Record<string, string>): string | undefined {
  const entries = Object.entries(custom)
  const {keys, keyBytes, valueBytes} = CUSTOM_METADATA_LIMITS
  if (entries.length > keys) return `custom_metadata would hold ${entries.length} keys; Vault allows ${keys}`
  for (const [key, value] of entries) {
    if (Buffer.byteLength(key) > keyBytes) return `custom_metadata key "${key}" is longer than ${keyBytes} bytes`
    if (value.length === 0) return `custom_metadata key "${key}" has an empty value; Vault requires at least one byte`
    if (Buffer.byteLength(value) > valueBytes) return `custom_metadata value of "${key}" is longer than ${valueBytes} bytes`
    if (/\p{Cc}/u.test(key) || /\p{Cc}/u.test(value)) return `custom_metadata entry "${key}" contains unprintable characters`
  }
  return undefined
}

export function isEnabled(version: VersionMetadata, now: Date): boolean {
  if (version.destroyed) return false
  return !(version.deletion_time && Date.parse(version.deletion_time) <= now.getTime())
}

export function roleOf(n: number, metadata: KeyMetadata, now: Date): Role {
  if (n === metadata.current_version) return 'current'
  const version = metadata.versions[String(n)]
  if (n === metadata.current_version - 1 && version && isEnabled(version, now)) return 'previous'
  return 'retired'
}

export function versionInfo(n: number, metadata: KeyMetadata, now: Date, rotationId?: string): VersionInfo {
  const version = metadata.versions[String(n)]
  return {
    id: String(n),
    createdAt: new Date(version.created_time),
    role: roleOf(n, metadata, now),
    enabled: isEnabled(version, now),
    destroyed: version.destroyed,
    ...(rotationId ? {rotationId} : {}),
  }
}

/**
 * The contract's view of a key. A key with metadata but no version is what a crash between
 * rotor's metadata write and its first data write leaves: rotor reports its own as absent (the
 * next create repairs it) and another tool's as existing and not owned.
 */
export function snapshotOf(
  path: string,
  metadata: KeyMetadata | null | undefined,
  now: Date,
  recovered?: {version: number; rotationId: string},
): SecretSnapshot {
  if (!metadata) return {path, exists: false, owned: false, versions: [], meta: {}, labels: {}}
  const parsed = parseCustomMetadata(metadata.custom_metadata)
  const owned = isOwned(metadata.custom_metadata)
  if (metadata.current_version === 0 && owned) return {path, exists: false, owned: false, versions: [], meta: {}, labels: {}}
  const rotations = new Map(parsed.rotations)
  if (recovered && !rotations.has(recovered.version)) rotations.set(recovered.version, recovered.rotationId)
  const versions = Object.keys(metadata.versions)
    .map(Number)
    .sort((a, b) => b - a)
    .map((n) => versionInfo(n, metadata, now, rotations.get(n)))
  return {path, exists: true, owned, versions, meta: parsed.meta, labels: parsed.labels}
}
