/**
 * TEST ONLY: an issuer whose "system" is a table of credentials kept in this process, or in a JSON
 * file (`file:`) so that a crash test can look at it across processes. It accepts values rotor
 * generates, two per binding (slots `<account>-a` and `<account>-b`, like postgres' alternating
 * roles), lists them, and deactivates reversibly when the binding says `deactivates: true`. With
 * `mints: true` it mints its own credentials instead (random ids, like IAM access keys).
 * rotor refuses it unless ROTOR_ALLOW_MEMORY=1 (src/config/load.ts).
 */
import {z} from 'zod'
import type {IssuerCapabilities, IssuerFactory} from '../types.js'

const settings = z
  .strictObject({
    file: z
      .string()
      .min(1)
      .describe('JSON file holding the credentials, relative to rotor.yaml, so they outlive the process (crash tests). Default: kept in the process only.')
      .optional(),
  })
  .describe('TEST ONLY: an in-process issuer (or one kept in a JSON file). rotor refuses it unless ROTOR_ALLOW_MEMORY=1.')

const binding = z
  .strictObject({
    account: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,40}$/, {error: 'account uses a-z, 0-9, "_" and "-"'})
      .describe('The account whose two credential slots (`<account>-a`, `<account>-b`) rotor alternates.'),
    maxValid: z.union([z.literal(1), z.literal(2)]).default(2).describe('Credentials valid at once: 2 (grace) or 1 (single slot, grace zero).'),
    deactivates: z.boolean().default(false).describe('Revoke in two steps (inactive, then deleted) so a rollback can reactivate.'),
    mints: z
      .boolean()
      .optional()
      .describe('Mint credentials like a cloud access key (a new random id and value per issue, at most maxValid per account) instead of accepting the generated value into a slot. Default false.'),
  })
  .describe('One memory account.')

export type MemoryIssuerSettings = z.infer<typeof settings>
export type MemoryIssuerBinding = z.infer<typeof binding>

export function memoryIssuerCapabilities(b: Pick<MemoryIssuerBinding, 'maxValid' | 'deactivates'> & {mints?: boolean}): IssuerCapabilities {
  const mints = b.mints === true
  return {accepts: !mints, mints, maxValid: b.maxValid, deactivates: b.deactivates, lists: true}
}

export const MEMORY_ISSUER_FIELDS = ['id', 'value'] as const

export const memoryIssuerFactory: IssuerFactory<MemoryIssuerSettings, MemoryIssuerBinding> = {
  kind: 'memory',
  summary: 'in-process issuer, for tests only (refused unless ROTOR_ALLOW_MEMORY=1)',
  settings,
  binding,
  capabilities: (b) => memoryIssuerCapabilities(b),
  fields: MEMORY_ISSUER_FIELDS,
  secretField: 'value',
  policy: (input) => ({
    format: 'text',
    title: `Memory issuer ${input.issuerName}`,
    document: `A test issuer: its credentials live in this process${(input.settings as MemoryIssuerSettings).file ? ` and in ${(input.settings as MemoryIssuerSettings).file}` : ''}; there is nothing to grant.\nAccounts: ${input.bindings.map((b) => `${(b.binding as MemoryIssuerBinding).account} (${b.secret})`).join(', ') || '(none)'}\n`,
  }),
  async create(issuerName, s, b, context) {
    const {MemoryIssuerClient, MemoryIssuerSystem} = await import('./client.js')
    return new MemoryIssuerClient(issuerName, MemoryIssuerSystem.open(s.file, context.baseDir), b, context.now)
  },
}
