/**
 * The IAM policy rotor needs on exactly the configured secrets. Pure (no SDK), so `rotor policy`
 * works without credentials. Secret ARNs end in `-` plus six random characters that AWS appends
 * at creation, hence `<name>-??????`: `?` matches exactly one character, so `app/key` does not
 * also grant `app/key2` (which `app/key*` would). The account is not in rotor's config: `*`
 * stands for it, to be replaced by the real account id.
 */
import type {PolicyDocument, PolicyInput} from '../types.js'
import type {AwsSettings} from './factory.js'

/** What rotor calls on each managed secret (see client.ts and doctor.ts). */
export const MANAGE_ACTIONS = [
  'secretsmanager:DescribeSecret',
  'secretsmanager:ListSecretVersionIds',
  'secretsmanager:GetSecretValue',
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  'secretsmanager:UpdateSecretVersionStage',
  'secretsmanager:TagResource',
  'secretsmanager:UntagResource',
]
/** Actions that take no secret ARN: IAM requires `*` for them. */
export const GLOBAL_ACTIONS = ['secretsmanager:ListSecrets', 'secretsmanager:BatchGetSecretValue']
export const READ_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret']
/** The versions an application may read: current, and previous while the grace window lasts. */
export const READABLE_STAGES = ['AWSCURRENT', 'AWSPREVIOUS']

/**
 * GetSecretValue only by stage: the stage asked for (none means AWSCURRENT) must be current or
 * previous, and no VersionId may be given, since a read by id reaches any version still kept
 * (a pending value not yet verified, a retired one).
 */
export const READ_STAGE_CONDITION = {
  StringEqualsIfExists: {'secretsmanager:VersionStage': READABLE_STAGES},
  Null: {'secretsmanager:VersionId': 'true'},
}

/** Managed policies may hold 6,144 characters (whitespace excluded). */
const MANAGED_POLICY_LIMIT = 6_144

export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn'
  if (region.startsWith('us-gov-')) return 'aws-us-gov'
  return 'aws'
}

export function secretArn(region: string, path: string, account = '*'): string {
  return `arn:${partitionOf(region)}:secretsmanager:${region}:${account}:secret:${path}-??????`
}

export function awsPolicy(input: PolicyInput): PolicyDocument {
  const settings = input.settings as AwsSettings
  const arns = [...new Set(input.paths)].sort().map((path) => secretArn(settings.region, path))
  const statements: unknown[] = []
  if (arns.length > 0 && input.readOnly) {
    statements.push(
      {Sid: 'ReadCurrentAndPreviousOnly', Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: arns, Condition: READ_STAGE_CONDITION},
      {Sid: 'DescribeRotorSecrets', Effect: 'Allow', Action: ['secretsmanager:DescribeSecret'], Resource: arns},
    )
  } else if (arns.length > 0) {
    statements.push({Sid: 'RotorManagesTheseSecrets', Effect: 'Allow', Action: MANAGE_ACTIONS, Resource: arns})
  }
  if (!input.readOnly && arns.length > 0) {
    statements.push({Sid: 'RotorListsAndBatchReads', Effect: 'Allow', Action: GLOBAL_ACTIONS, Resource: '*'})
  }
  const kms = settings.kmsKeyId ? kmsStatement(settings.region, settings.kmsKeyId, input.readOnly) : undefined
  if (kms && arns.length > 0) statements.push(kms)
  const document = JSON.stringify({Version: '2012-10-17', Statement: statements}, null, 2)
  const notes = ['replace the account `*` in each ARN with your AWS account id']
  if (document.replace(/\s/g, '').length > MANAGED_POLICY_LIMIT) {
    notes.push(`the policy is longer than IAM's ${MANAGED_POLICY_LIMIT} characters for a managed policy: split it, or give the secrets a common name prefix and grant that`)
  }
  return {
    format: 'json',
    title: `AWS IAM policy for store ${input.storeName}${input.readOnly ? ' (read-only, for applications)' : ''}: ${arns.length} secret(s) in ${settings.region}`,
    document,
    notes,
  }
}

/** A customer managed key needs its own grants; only through Secrets Manager in this region. */
function kmsStatement(region: string, keyId: string, readOnly: boolean): unknown {
  const partition = partitionOf(region)
  const alias = keyId.startsWith('alias/') ? keyId : /^arn:[^:]+:kms:[^:]*:[^:]*:alias\//.test(keyId) ? keyId.slice(keyId.indexOf('alias/')) : undefined
  const resource = keyId.startsWith('arn:') && !alias ? keyId : `arn:${partition}:kms:${region}:*:key/${alias ? '*' : keyId}`
  return {
    Sid: 'UseTheSecretsKmsKey',
    Effect: 'Allow',
    Action: readOnly ? ['kms:Decrypt'] : ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: resource,
    Condition: {
      StringEquals: {'kms:ViaService': `secretsmanager.${region}.amazonaws.com`},
      ...(alias ? {'ForAnyValue:StringEquals': {'kms:ResourceAliases': alias}} : {}),
    },
  }
}
