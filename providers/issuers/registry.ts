/**
 * The typed map from issuer kind to factory, as providers/registry.ts is for stores. Factories
 * import no client library at module load; each `create` loads what it needs with `import()`.
 */
import {commandIssuerFactory} from './command/factory.js'
import type {IssuerFactory} from './types.js'

export const issuerRegistry = {
  command: commandIssuerFactory,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- settings types differ per kind
} as const satisfies Record<string, IssuerFactory<any, any>>

export type IssuerKind = keyof typeof issuerRegistry
export const issuerKinds = Object.keys(issuerRegistry) as IssuerKind[]
export const isIssuerKind = (kind: string): kind is IssuerKind => Object.hasOwn(issuerRegistry, kind)
