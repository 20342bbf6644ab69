/**
 * How Secret Manager notions map onto rotor's (DESIGN.md, "Roles per store"):
 * - roles are version aliases on the secret: `pending`, `current`, `previous`; a version
 *   without one of them is `retired`. A secret without a `current` alias (made by another tool)
 *   has as current its newest ENABLED version, never a disabled `latest`;
 * - `enabled` is state ENABLED; `destroyed` is state DESTROYED, or destruction scheduled by the
 *   secret's version-destroy TTL (the version is DISABLED until then and rotor treats it as gone);
 * - ownership is the label `managed-by=rotor`; rotor's state lives in annotations:
 *   `rotor.meta.<key>` (RotorMeta), `rotor.rotation.<version>` (the rotation that wrote a
 *   version, kept for versions holding a role and the newest others), and `rotor.inflight`
 *   (`<rotationId>@<newest version before the write>`, set before AddSecretVersion so a retry
 *   after a lost answer finds its own version instead of adding another).
 */
import type {protos} from '@google-cloud/secret-manager'
import {InvalidRequestError} from '../../src/errors/index.js'
import {MANAGED_BY_KEY, MANAGED_BY_VALUE, type Role, type RotorMeta, type SecretSnapshot, type VersionInfo} from '../types.js'
import {versionNumberOf} from './naming.js'

export type Secret = protos.google.cloud.secretmanager.v1.ISecret
export type SecretVersion = protos.google.cloud.secretmanager.v1.ISecretVersion

export const PENDING = 'pending'
export const CURRENT = 'current'
export const PREVIOUS = 'previous'
export const ROLE_ALIASES = [PENDING, CURRENT, PREVIOUS] as const

const META_PREFIX = 'rotor.meta.'
const ROTATION_PREFIX = 'rotor.rotation.'
export const INFLIGHT = 'rotor.inflight'
/** Rotation ids kept for versions without a role: a bounded history, far below the 16 KiB limit. */
const KEEP_ROTATION_IDS = 16
const META_KEY = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,50}[A-Za-z0-9])?$/

type Timestamp = {seconds?: number | string | {toString(): string} | null; nanos?: number | null} | null | undefined

export const toDate = (t: Timestamp): Date => new Date(Number(String(t?.seconds ?? 0)) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6))

export function aliasesOf(secret: Secret): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [alias, version] of Object.entries(secret.versionAliases ?? {})) out[alias] = Number(String(version))
  return out
}

export const isOwned = (secret: Secret): boolean => secret.labels?.[MANAGED_BY_KEY] === MANAGED_BY_VALUE

const STATES = ['STATE_UNSPECIFIED', 'ENABLED', 'DISABLED', 'DESTROYED']

/** The state's name; over REST (`enum-encoding=int`) it may arrive as its number. */
export const stateOf = (v: SecretVersion): string => (typeof v.state === 'number' ? (STATES[v.state] ?? 'STATE_UNSPECIFIED') : String(v.state))

export const isEnabled = (v: SecretVersion): boolean => stateOf(v) === 'ENABLED'

export const isDestroyed = (v: SecretVersion): boolean => stateOf(v) === 'DESTROYED' || v.scheduledDestroyTime != null

/** The newest ENABLED version: what `current` means on a secret without the alias. */
export function newestEnabled(versions: SecretVersion[], exclude?: number): number | undefined {
  const numbers = versions.filter((v) => isEnabled(v)).map((v) => versionNumberOf(v.name)).filter((n) => n !== exclude)
  return numbers.length > 0 ? Math.max(...numbers) : undefined
}

/** The current version number: the alias, else the newest enabled version (other than `exclude`). */
export function currentOf(secret: Secret, versions: SecretVersion[], exclude?: number): number | undefined {
  return aliasesOf(secret)[CURRENT] ?? newestEnabled(versions, exclude)
}

export function roleOf(number: number, aliases: Record<string, number>, current: number | undefined): Role {
  if (number === current) return 'current'
  if (aliases[PENDING] === number) return 'pending'
  if (aliases[PREVIOUS] === number) return 'previous'
  return 'retired'
}

export const rotationKey = (version: number) => `${ROTATION_PREFIX}${version}`

export function versionInfo(secret: Secret, versions: SecretVersion[], v: SecretVersion): VersionInfo {
  const number = versionNumberOf(v.name)
  const rotationId = secret.annotations?.[rotationKey(number)]
  return {
    id: String(number),
    createdAt: toDate(v.createTime as Timestamp),
    role: roleOf(number, aliasesOf(secret), currentOf(secret, versions)),
    enabled: isEnabled(v),
    destroyed: isDestroyed(v),
    ...(rotationId ? {rotationId} : {}),
  }
}

export function snapshotOf(path: string, secret: Secret, versions: SecretVersion[]): SecretSnapshot {
  const infos = versions.map((v) => versionInfo(secret, versions, v)).sort((a, b) => Number(b.id) - Number(a.id))
  const aliases = aliasesOf(secret)
  // Promotion moves both aliases in one etag-checked patch, so only a hand edit or another tool
  // leaves `pending` on the current version; report it so the next run removes it.
  const current = currentOf(secret, versions)
  const leftovers =
    current !== undefined && aliases[PENDING] === current
      ? [{versionId: String(current), detail: `alias ${PENDING} still on the ${CURRENT} version ${current}`}]
      : []
  return {path, exists: true, owned: isOwned(secret), versions: infos, ...(leftovers.length > 0 ? {leftovers} : {}), meta: metaOf(secret), labels: {...secret.labels}}
}

export function metaOf(secret: Secret): RotorMeta {
  const meta: RotorMeta = {}
  for (const [key, value] of Object.entries(secret.annotations ?? {})) {
    if (key.startsWith(META_PREFIX)) meta[key.slice(META_PREFIX.length)] = value
  }
  return meta
}

/** Annotations with `meta` merged in (a key set to undefined is removed). */
export function withMeta(annotations: Record<string, string>, meta: RotorMeta | undefined): Record<string, string> {
  const next = {...annotations}
  for (const [key, value] of Object.entries(meta ?? {})) {
    if (!META_KEY.test(key)) {
      throw new InvalidRequestError(`meta key "${key}" cannot be stored as a GCP annotation key (letters, digits, . _ -; at most 52 characters)`)
    }
    if (value === undefined) delete next[`${META_PREFIX}${key}`]
    else next[`${META_PREFIX}${key}`] = value
  }
  return next
}

/** The version a rotation wrote, from the annotations. */
export function versionOfRotation(secret: Secret, rotationId: string): number | undefined {
  for (const [key, value] of Object.entries(secret.annotations ?? {})) {
    if (key.startsWith(ROTATION_PREFIX) && value === rotationId) return Number(key.slice(ROTATION_PREFIX.length))
  }
  return undefined
}

export function inflightOf(secret: Secret): {rotationId: string; base: number} | undefined {
  const m = /^([A-Za-z0-9-]{1,64})@(\d+)$/.exec(secret.annotations?.[INFLIGHT] ?? '')
  return m ? {rotationId: m[1], base: Number(m[2])} : undefined
}

/** Drops rotation ids of versions that hold no role in `aliases`, beyond the newest few. */
export function pruneRotations(annotations: Record<string, string>, aliases: Record<string, number>): Record<string, string> {
  const withRole = new Set(Object.values(aliases))
  const others = Object.keys(annotations)
    .filter((k) => k.startsWith(ROTATION_PREFIX))
    .map((k) => Number(k.slice(ROTATION_PREFIX.length)))
    .filter((n) => !withRole.has(n))
    .sort((a, b) => b - a)
  const next = {...annotations}
  for (const n of others.slice(KEEP_ROTATION_IDS)) delete next[rotationKey(n)]
  return next
}

const LABEL_INVALID = /[^\p{Ll}\p{Lo}\p{N}_-]/gu

/** GCP label rules: lowercase letters, digits, `_`, `-`; keys start with a letter; 63 characters. */
export function sanitizeLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(labels ?? {})) {
    let k = key.toLowerCase().replace(LABEL_INVALID, '_')
    if (!/^[\p{Ll}\p{Lo}]/u.test(k)) k = `l_${k}`
    out[k.slice(0, 63)] = value.toLowerCase().replace(LABEL_INVALID, '_').slice(0, 63)
  }
  out[MANAGED_BY_KEY] = MANAGED_BY_VALUE
  return out
}
