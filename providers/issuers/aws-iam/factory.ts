/**
 * The AWS IAM access-key issuer (`type: aws-iam`): rotor mints a user's access key with
 * CreateAccessKey, checks it with STS GetCallerIdentity signed by that key, and retires it with
 * UpdateAccessKey Inactive, then DeleteAccessKey after `deleteAfter` (a rollback in between
 * reactivates it). IAM allows two keys per user: exactly old and new during grace. `deleteAfter`
 * is a key every issuer kind shares (src/config/checks.ts): the engine keeps the window, not this
 * binding.
 * This module is light (zod and a capability table); `create` imports the SDK (client.ts).
 */
import {z} from 'zod'
import {awsConnection, insecureEndpoint} from '../../aws/factory.js'
import type {IssuerCapabilities, IssuerFactory} from '../types.js'
import {awsIamPolicy} from './policy.js'

const settings = z
  .strictObject({
    region: awsConnection.region.describe('Region for STS (IAM itself is global); also picks the partition (aws, aws-cn, aws-us-gov).'),
    profile: awsConnection.profile,
    endpoint: awsConnection.endpoint.describe('One endpoint for IAM and STS instead of the public ones: a VPC endpoint or a local emulator (moto).'),
    allowInsecureTransport: awsConnection.allowInsecureTransport,
  })
  .refine(...insecureEndpoint)
  .describe('AWS IAM access keys of one IAM user per secret. Credentials come from the SDK default chain: environment, profile/SSO, web identity, or an instance/task role.')

export type AwsIamSettings = z.infer<typeof settings>

/** IAM user names: 1-64 of letters, digits and +=,.@_- (the IAM API reference). */
export const IAM_USER_NAME = /^[\w+=,.@-]{1,64}$/

const binding = z.strictObject({
  user: z
    .string()
    .regex(IAM_USER_NAME, 'an IAM user name: 1-64 letters, digits and +=,.@_-')
    .describe('The IAM user whose access keys this secret holds. rotor must be the only one creating keys for it.'),
})

export type AwsIamBinding = z.infer<typeof binding>

export const awsIamCapabilities: IssuerCapabilities = {accepts: false, mints: true, maxValid: 2, deactivates: true, lists: true}

export const awsIamIssuerFactory: IssuerFactory<AwsIamSettings, AwsIamBinding> = {
  kind: 'aws-iam',
  summary: 'AWS IAM access keys (two per user: old and new both valid during grace)',
  settings,
  binding,
  capabilities: () => awsIamCapabilities,
  fields: ['accessKeyId', 'secretAccessKey'],
  secretField: 'secretAccessKey',
  policy: (input) => awsIamPolicy(input),
  async create(issuerName, issuerSettings, issuerBinding, context) {
    const {AwsIamIssuerClient} = await import('./client.js')
    return new AwsIamIssuerClient(issuerName, issuerSettings, issuerBinding, context)
  },
}
