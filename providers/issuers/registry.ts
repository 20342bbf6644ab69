/**
 * The typed map from issuer kind to factory (issuer-engine owns this file; each kind adds one
 * line). Factories are light; each loads its client library with `import()` only in `create`.
 */
import {awsIamIssuerFactory} from './aws-iam/factory.js'
import type {IssuerFactory} from './types.js'

export const issuerRegistry = {
  'aws-iam': awsIamIssuerFactory,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- settings and binding types differ per kind
} as const satisfies Record<string, IssuerFactory<any, any>>
