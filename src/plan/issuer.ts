/**
 * What the primary's meta and the issuer's listing say about a secret's credentials, and the
 * issuer steps the planner adds: recover an interrupted issuer call, revoke a credential whose
 * grace ended (deactivate, then delete after `deleteAfter`), block a rotation the issuer has no
 * room for. Pure, like the rest of the planner.
 */
import type {SecretConfig} from '../config/types.js'
import type {IssuerCapabilities, IssuerCredential} from '../../providers/issuers/types.js'
import type {RotorMeta} from '../../providers/types.js'
import type {SecretFacts} from './observe.js'
import type {Action, Blocker, TargetObservation} from './types.js'
import {refText} from './types.js'

/**
 * Meta keys rotor keeps on the primary of a secret with an issuer. The credential ids let every
 * run know which credentials the stores hold without reading a value; the intent is written
 * before any issuer call and cleared in the primary's promotion write (or by a recovery).
 */
export const ISSUER_META = {
  /** The credential id the primary's current version holds. */
  current: 'issuerCurrent',
  /** The credential id of the previous version, valid until it is revoked after grace. */
  previous: 'issuerPrevious',
  /** Rotation id of an issuer call whose credential no promotion has recorded yet. */
  intent: 'issuerIntent',
  /** The credential id that call writes (`nextId`); empty for a minting issuer. */
  intentId: 'issuerIntentId',
  /** When the intent was recorded (ISO); for intents without `intentListed` (older runs) a minted credential created after it is the call's. */
  intentAt: 'issuerIntentAt',
  /**
   * A minting issuer's credentials listed before the call (`listedText`: their count, then the
   * ids): after a kill, a credential neither listed then nor held by a store is the call's.
   */
  intentListed: 'issuerIntentListed',
  /** A credential deactivated after its grace, deleted at `deleteAt`. */
  inactive: 'issuerInactive',
  deleteAt: 'issuerDeleteAt',
} as const

export interface IssuerFacts {
  issuer: string
  capabilities?: IssuerCapabilities
  current?: string
  previous?: string
  intent?: {rotationId: string; credentialId?: string; at?: Date; listed?: Set<string>}
  inactive?: {id: string; deleteAt?: Date}
  /** What the issuer listed (only when it lists). */
  credentials?: IssuerCredential[]
  error?: {code: string; message: string; hint?: string}
}

const text = (meta: RotorMeta | undefined, key: string): string | undefined => {
  const value = meta?.[key]
  return value === undefined || value === '' ? undefined : value
}

export function issuerFacts(secret: SecretConfig, primary: TargetObservation | undefined): IssuerFacts | undefined {
  if (!secret.issuer) return undefined
  const meta = primary?.snapshot?.meta
  const facts: IssuerFacts = {issuer: secret.issuer.name}
  const observed = primary?.issuer
  if (observed?.capabilities) facts.capabilities = observed.capabilities
  if (observed?.credentials) facts.credentials = observed.credentials
  if (observed?.error) facts.error = observed.error
  const current = text(meta, ISSUER_META.current)
  const previous = text(meta, ISSUER_META.previous)
  if (current) facts.current = current
  if (previous && previous !== current) facts.previous = previous
  const intent = text(meta, ISSUER_META.intent)
  if (intent) {
    const id = text(meta, ISSUER_META.intentId)
    const at = text(meta, ISSUER_META.intentAt)
    const listed = parseListed(text(meta, ISSUER_META.intentListed))
    facts.intent = {rotationId: intent, ...(id ? {credentialId: id} : {}), ...(at ? {at: new Date(at)} : {}), ...(listed ? {listed} : {})}
  }
  // A first creation killed after its issuer call: the audit log held the intent (no primary to
  // hold it); every credential created since the earliest such call is the orphan's candidate.
  const unrecorded = observed?.unrecorded
  if (!facts.intent && unrecorded?.length) {
    const first = unrecorded.reduce((a, b) => (b.at < a.at ? b : a))
    facts.intent = {rotationId: first.rotationId, at: new Date(first.at)}
  }
  const inactive = text(meta, ISSUER_META.inactive)
  if (inactive && inactive !== current && inactive !== previous) {
    const deleteAt = text(meta, ISSUER_META.deleteAt)
    facts.inactive = {id: inactive, ...(deleteAt ? {deleteAt: new Date(deleteAt)} : {})}
  }
  return facts
}

/** The meta text of the credential ids a minting issuer listed before its call: `<count> id1 id2`. */
export function listedText(ids: readonly string[]): string {
  return [String(ids.length), ...ids].join(' ')
}

/** `listedText` read back; undefined when absent or not well formed (then the intent time decides). */
function parseListed(value: string | undefined): Set<string> | undefined {
  if (value === undefined) return undefined
  const [count, ...ids] = value.split(' ')
  return /^\d+$/.test(count) && Number(count) === ids.length ? new Set(ids) : undefined
}

/** Credential ids a store holds (current, previous in grace) or rotor retired (inactive). */
export function knownCredentials(issuer: IssuerFacts): Set<string> {
  return new Set([issuer.current, issuer.previous, issuer.inactive?.id].filter((id): id is string => id !== undefined))
}

/**
 * The credentials an interrupted issuer call may have left that no store knows: the id it wrote
 * (accepting issuers), or for a minting one every listed credential that was not listed before the
 * call (recorded with the intent). Intents recorded without that list fall back to the creation
 * time, which trusts the issuer's clock and rotor's to agree. Known ids are never among them.
 */
export function orphanCredentials(issuer: IssuerFacts): string[] {
  const intent = issuer.intent
  if (!intent) return []
  const known = knownCredentials(issuer)
  if (intent.credentialId) return known.has(intent.credentialId) ? [] : [intent.credentialId]
  if (!issuer.credentials) return []
  if (intent.listed) return issuer.credentials.filter((c) => !known.has(c.id) && !intent.listed!.has(c.id)).map((c) => c.id)
  if (!intent.at) return []
  return issuer.credentials.filter((c) => !known.has(c.id) && c.createdAt !== undefined && c.createdAt >= intent.at!).map((c) => c.id)
}

/** The facts as they are once `ids` are deleted at the issuer (a recovery planned before a rotation). */
export function withoutCredentials(issuer: IssuerFacts, ids: readonly string[]): IssuerFacts {
  if (ids.length === 0 || !issuer.credentials) return issuer
  return {...issuer, credentials: issuer.credentials.filter((c) => !ids.includes(c.id))}
}

/** Whether the issuer's intent is carried by a rotation a store holds (current or staged). */
export function intentHeld(issuer: IssuerFacts, facts: SecretFacts): boolean {
  const id = issuer.intent?.rotationId
  return id !== undefined && facts.targets.some((t) => t.current?.rotationId === id || t.pending?.rotationId === id)
}

/**
 * Why the issuer cannot take a new credential now, when a minting issuer already holds as many as
 * it allows and rotor knows none of the extra ones (IAM: two keys, rotor owns neither).
 */
export function issuerRoomBlocker(secret: SecretConfig, issuer: IssuerFacts): Blocker | undefined {
  const caps = issuer.capabilities
  if (!caps?.mints || !issuer.credentials) return undefined
  const known = knownCredentials(issuer)
  const kept = issuer.credentials.filter((c) => known.has(c.id) && c.id !== issuer.inactive?.id)
  const strangers = issuer.credentials.filter((c) => !known.has(c.id))
  if (kept.length + strangers.length < caps.maxValid || strangers.length === 0) return undefined
  return {
    secret: secret.name,
    reason: `issuer ${issuer.issuer} already holds ${issuer.credentials.length} credentials (${issuer.credentials.map((c) => `${c.id} ${c.state}`).join(', ')}) and rotor knows ${strangers.length === issuer.credentials.length ? 'none' : 'only some'} of them: a new one would exceed its limit of ${caps.maxValid}`,
    hint: `delete the credential rotor does not know (${strangers.map((c) => c.id).join(', ')}) at the issuer if nothing uses it, then run \`rotor apply\` again`,
  }
}

/** `rotor rollback` needs the previous credential to still work at the issuer (or be reactivatable). */
export function rollbackIssuerBlocker(secret: SecretConfig, issuer: IssuerFacts): Blocker | undefined {
  if (!issuer.previous || !issuer.credentials) return undefined
  const listed = issuer.credentials.find((c) => c.id === issuer.previous)
  if (listed?.state === 'active') return undefined
  if (listed && issuer.capabilities?.deactivates) return undefined
  return {
    secret: secret.name,
    reason: `the previous credential ${issuer.previous} is ${listed ? 'inactive' : 'gone'} at issuer ${issuer.issuer}, so rolling back would give consumers a refused credential`,
    hint: `rotate instead: \`rotor rotate ${secret.name}\``,
  }
}

/**
 * Revocations due after this plan's retirements: the previous credential once no target keeps
 * the previous version (its grace ended and it is retired in this plan or before), and an
 * inactive credential once its `deleteAfter` is over.
 */
export function planRevocations(secret: SecretConfig, issuer: IssuerFacts, facts: SecretFacts, now: Date, actions: Action[]): void {
  const retiring = new Set(actions.filter((a) => a.kind === 'retire' && a.secret === secret.name).map((a) => `${refText((a as {target: {store: string; path: string}}).target)}\u0000${(a as {versionId: string}).versionId}`))
  if (issuer.previous) {
    const kept = facts.targets.some((t) => t.previous && !retiring.has(`${refText(t.target)}\u0000${t.previous.id}`))
    if (!kept) {
      const mode = issuer.capabilities?.deactivates ? 'deactivate' : 'delete'
      actions.push({kind: 'revoke', secret: secret.name, issuer: issuer.issuer, credentialId: issuer.previous, mode, why: 'grace-ended'})
    }
  }
  if (issuer.inactive && (!issuer.inactive.deleteAt || issuer.inactive.deleteAt <= now)) {
    actions.push({kind: 'revoke', secret: secret.name, issuer: issuer.issuer, credentialId: issuer.inactive.id, mode: 'delete', why: 'delete-after'})
  }
}
