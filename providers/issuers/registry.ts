/**
 * The typed map from issuer kind to factory (`issuers.<name>.type`). Factories are light (zod
 * schemas and a capability function); each loads its client library with `import()` in `create`.
 */
import {awsIamIssuerFactory} from './aws-iam/factory.js'
import {commandIssuerFactory} from './command/factory.js'
import {postgresIssuerFactory} from './postgres/factory.js'
import type {IssuerFactory} from './types.js'

export const issuerRegistry = {
  'aws-iam': awsIamIssuerFactory,
  command: commandIssuerFactory,
  postgres: postgresIssuerFactory,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- settings and bindings differ per kind
} as const satisfies Record<string, IssuerFactory<any, any>>
