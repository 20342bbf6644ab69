/**
 * The typed map from issuer kind to factory (providers/issuers/types.ts). Factories are light
 * (zod schemas, capabilities, policy text); each loads its client library with `import()` only in
 * `create`. The engine imports this module lazily, only when a secret has an issuer, so a run
 * without issuers never loads it. Each issuer kind adds one line here.
 */
import {awsIamIssuerFactory} from './aws-iam/factory.js'
import {commandIssuerFactory} from './command/factory.js'
import {memoryIssuerFactory} from './memory/factory.js'
import {postgresIssuerFactory} from './postgres/factory.js'
import type {IssuerFactory} from './types.js'

export const issuerRegistry = {
  'aws-iam': awsIamIssuerFactory,
  command: commandIssuerFactory,
  memory: memoryIssuerFactory,
  postgres: postgresIssuerFactory,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- settings and binding types differ per kind
} as const satisfies Record<string, IssuerFactory<any, any>>

export type IssuerKind = keyof typeof issuerRegistry

export const issuerKinds = Object.keys(issuerRegistry) as IssuerKind[]

export function isIssuerKind(kind: string): kind is IssuerKind {
  return Object.hasOwn(issuerRegistry, kind)
}

export function getIssuerFactory(kind: IssuerKind): IssuerFactory<unknown, unknown> {
  return issuerRegistry[kind] as IssuerFactory<unknown, unknown>
}
