import {z} from 'zod'
import type {ProviderFactory} from '../types.js'
import {awsRuntime} from './runtime.js'
import {awsPolicy} from './policy.js'
import {insecureTransportMessage, isPlainTextRemote} from '../../src/util/transport.js'

/** The connection settings every AWS kind of rotor's shares (this store, the aws-iam issuer). */
export const awsConnection = {
  region: z
    .string()
    .regex(/^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, 'an AWS region such as eu-west-1')
    .describe('AWS region of the secrets, e.g. eu-west-1.'),
  profile: z
    .string()
    .min(1)
    .optional()
    .describe('Named profile from ~/.aws/config and ~/.aws/credentials; default: the SDK default credential chain.'),
  endpoint: z
    .url({protocol: /^https?$/})
    .optional()
    .describe('Endpoint URL instead of the regional one: a VPC interface endpoint, a FIPS endpoint, or a local emulator.'),
  allowInsecureTransport: z
    .boolean()
    .default(false)
    .describe('Allow plain http:// to a host other than this machine (loopback is always allowed). Tokens cross the network unencrypted; `rotor doctor` warns.'),
}

/** Plain http:// only to this machine unless `allowInsecureTransport` (for `.refine(...insecureEndpoint)`). */
export const insecureEndpoint: [
  (s: {allowInsecureTransport: boolean; endpoint?: string}) => boolean,
  {error: (issue: {input: unknown}) => string; path: PropertyKey[]},
] = [
  (s: {allowInsecureTransport: boolean; endpoint?: string}) => s.allowInsecureTransport || s.endpoint === undefined || !isPlainTextRemote(s.endpoint),
  {
    error: (issue: {input: unknown}) => insecureTransportMessage('the endpoint', String((issue.input as {endpoint?: string}).endpoint)),
    path: ['endpoint'],
  },
]

const settings = z
  .strictObject({
    region: awsConnection.region,
    profile: awsConnection.profile,
    endpoint: awsConnection.endpoint,
    kmsKeyId: z
      .string()
      .min(1)
      .optional()
      .describe('KMS key (id, ARN or alias) to encrypt secrets rotor creates; default: aws/secretsmanager.'),
    allowInsecureTransport: awsConnection.allowInsecureTransport,
  })
  .refine(...insecureEndpoint)
  .describe('AWS Secrets Manager. Credentials come from the SDK default chain: environment, profile/SSO, web identity, or an instance/task role.')

export type AwsSettings = z.infer<typeof settings>

const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/

export const awsFactory: ProviderFactory<AwsSettings> = {
  ...awsRuntime,
  summary: 'AWS Secrets Manager',
  settings,
  validatePaths(paths) {
    const problems: Array<{path: string; message: string}> = []
    for (const path of paths) {
      if (!SECRET_NAME.test(path)) {
        problems.push({path, message: 'AWS secret names are 1-512 characters of letters, digits and /_+=.@-'})
      }
    }
    return problems
  },
  policy: (input) => awsPolicy(input),
  endpoints: (s) => (s.endpoint ? [{source: 'endpoint', url: s.endpoint, allowInsecure: s.allowInsecureTransport}] : []),
}

export {awsCapabilities} from './runtime.js'
