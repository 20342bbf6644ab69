/**
 * What rotor needs in IAM to rotate the bound users' access keys. Pure (no SDK), so `rotor policy`
 * works without credentials. The account is not in rotor's config: `*` stands for it, as in the
 * Secrets Manager store's policy (providers/aws/policy.ts), to be replaced by the real account id.
 */
import type {PolicyDocument} from '../../types.js'
import {partitionOf} from '../../aws/policy.js'
import type {IssuerPolicyInput} from '../types.js'
import type {AwsIamBinding, AwsIamSettings} from './factory.js'

/** Every IAM call the issuer makes on a bound user (client.ts, doctor). */
export const IAM_KEY_ACTIONS = ['iam:CreateAccessKey', 'iam:ListAccessKeys', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey']

export function iamUserArn(region: string, user: string, account = '*'): string {
  return `arn:${partitionOf(region)}:iam::${account}:user/${user}`
}

export function awsIamPolicy(input: IssuerPolicyInput): PolicyDocument {
  const settings = input.settings as AwsIamSettings
  const users = [...new Set(input.bindings.map((b) => (b.binding as AwsIamBinding).user))].sort()
  const resources = users.map((user) => iamUserArn(settings.region, user))
  const statements = resources.length > 0 ? [{Sid: 'RotorRotatesTheseUsersKeys', Effect: 'Allow', Action: IAM_KEY_ACTIONS, Resource: resources}] : []
  return {
    format: 'json',
    title: `AWS IAM policy for issuer ${input.issuerName}: access keys of ${users.length} IAM user(s)`,
    document: JSON.stringify({Version: '2012-10-17', Statement: statements}, null, 2),
    notes: [
      'replace the account `*` in each ARN with your AWS account id',
      'a user created with a path (e.g. /ci/) has the ARN user/ci/<name>: put the path into the resource',
      'the check (sts:GetCallerIdentity, signed with the new key) needs no permission',
      'rotor must be the only one creating keys for these users: IAM allows two per user, and rotor needs both slots during grace',
    ],
  }
}
