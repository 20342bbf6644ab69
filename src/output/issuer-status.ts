/** `rotor status` for a secret with an issuer: each credential, active or not, and its role. */
import type {SecretConfig} from '../config/types.js'
import {issuerFacts, knownCredentials} from '../plan/issuer.js'
import type {Inventory} from '../plan/types.js'

export interface IssuerStatus {
  name: string
  /** Every credential the issuer listed (issuers that list), or those the primary's meta names. */
  credentials: Array<{id: string; state: 'active' | 'inactive' | 'unknown'; role?: 'current' | 'previous' | 'retired' | 'not-known-to-rotor'}>
  /** An issuer call an earlier run recorded and no store holds yet (the next run recovers it). */
  intent?: {rotationId: string; credentialId?: string; at?: string}
  /** A credential waiting to be deleted after its deleteAfter window. */
  deleteAt?: string
  error?: string
}

export function issuerStatus(secret: SecretConfig, inventory: Inventory): {issuer?: IssuerStatus} {
  if (!secret.issuer) return {}
  const facts = issuerFacts(secret, inventory.get(secret.name)?.[0])
  if (!facts) return {}
  const role = (id: string) =>
    id === facts.current ? 'current' : id === facts.previous ? 'previous' : id === facts.inactive?.id ? 'retired' : knownCredentials(facts).has(id) ? undefined : 'not-known-to-rotor'
  const listed = facts.credentials?.map((c) => ({id: c.id, state: c.state, ...withRole(role(c.id))}))
  const named = [...knownCredentials(facts)].map((id) => ({id, state: 'unknown' as const, ...withRole(role(id))}))
  return {
    issuer: {
      name: facts.issuer,
      credentials: listed ?? named,
      ...(facts.intent
        ? {intent: {rotationId: facts.intent.rotationId, ...(facts.intent.credentialId ? {credentialId: facts.intent.credentialId} : {}), ...(facts.intent.at ? {at: facts.intent.at.toISOString()} : {})}}
        : {}),
      ...(facts.inactive?.deleteAt ? {deleteAt: facts.inactive.deleteAt.toISOString()} : {}),
      ...(facts.error ? {error: facts.error.message} : {}),
    },
  }
}

const withRole = (role: IssuerStatus['credentials'][number]['role']) => (role ? {role} : {})

export function issuerLines(secret: string, s: IssuerStatus): string[] {
  if (s.error) return [`  ${secret} at ${s.name}: could not read the issuer: ${s.error}`]
  const credentials = s.credentials.map((c) => `${c.id} ${c.state}${c.role ? ` (${c.role}${c.role === 'retired' && s.deleteAt ? `, deleted after ${s.deleteAt}` : ''})` : ''}`)
  const lines = [`  ${secret} at ${s.name}: ${credentials.join(', ') || 'no credentials'}`]
  if (s.intent) lines.push(`  ${secret} at ${s.name}: an issuer call of rotation ${s.intent.rotationId} is not stored yet; the next \`rotor apply\` recovers it`)
  return lines
}
