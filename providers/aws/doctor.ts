/**
 * `rotor doctor` for AWS: prove reachability, credentials and permissions without writing a
 * secret. Reads are checked by doing them (ListSecrets, DescribeSecret, ListSecretVersionIds,
 * GetSecretValue, whose value is dropped at once). UpdateSecretVersionStage, the permission the
 * compare-and-swap needs, is probed with a label and version that do not exist: IAM decides
 * before the service looks at them, so AccessDenied means missing, any other error means allowed,
 * and nothing changes. CreateSecret, PutSecretValue, TagResource and UntagResource cannot be
 * proven without a write; docs/stores/aws.md lists them in the policy.
 */
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import {isNotFound, type RotorError} from '../../src/errors/index.js'
import type {DoctorCheck} from '../types.js'
import type {AwsStoreClient} from './client.js'
import {restoreHint} from './errors.js'
import {splitTags} from './mapping.js'

const PROBE_LABEL = 'rotor-doctor-probe'
const PROBE_VERSION = 'rotor-doctor-probe-00000000000000000000'

const isAccessDenied = (error: unknown) => (error as RotorError)?.cause !== undefined && ((error as RotorError).cause as {name?: string}).name === 'AccessDeniedException'

function failed(check: string, error: unknown): DoctorCheck {
  const e = error as RotorError
  return {check, ok: false, detail: e.message, ...(e.hint ? {hint: e.hint} : {})}
}

export async function awsDoctor(client: AwsStoreClient, paths: string[]): Promise<DoctorCheck[]> {
  const where = client.settings.endpoint ?? `Secrets Manager in ${client.settings.region}`
  const reach = `reach ${where} with these credentials`
  const checks: DoctorCheck[] = []
  try {
    await client.call('ListSecrets', undefined, () => client.sdk.send(new ListSecretsCommand({MaxResults: 1})))
    checks.push({check: reach, ok: true}, {check: 'secretsmanager:ListSecrets', ok: true})
  } catch (error) {
    // An authenticated "no" still proves the endpoint and the credentials work.
    if (!isAccessDenied(error)) return [failed(reach, error)]
    checks.push({check: reach, ok: true}, failed('secretsmanager:ListSecrets', error))
  }
  for (const path of paths) checks.push(...(await pathChecks(client, path)))
  return checks
}

async function pathChecks(client: AwsStoreClient, path: string): Promise<DoctorCheck[]> {
  const describe = `secretsmanager:DescribeSecret on ${path}`
  let secret
  try {
    secret = await client.call('DescribeSecret', path, () => client.sdk.send(new DescribeSecretCommand({SecretId: path})))
  } catch (error) {
    if (!isNotFound(error)) return [failed(describe, error)]
    return [{check: describe, ok: true, detail: 'does not exist yet; rotor will create it (needs secretsmanager:CreateSecret and secretsmanager:TagResource)'}]
  }
  const checks: DoctorCheck[] = [{check: describe, ok: true}]
  if (secret.DeletedDate) {
    checks.push({check: `${path} is usable`, ok: false, detail: `scheduled for deletion (deleted ${secret.DeletedDate.toISOString()})`, hint: restoreHint(path)})
    return checks
  }
  if (!splitTags(secret.Tags).owned) {
    checks.push({
      check: `ownership of ${path}`,
      ok: false,
      detail: 'exists without the managed-by=rotor tag',
      hint: 'set `adopt: true` on the secret to let rotor take it over',
    })
  }
  const probe = async (check: string, op: string, run: () => Promise<unknown>, deniedOnly = false) => {
    try {
      await client.call(op, path, run)
      checks.push({check, ok: true})
    } catch (error) {
      if (deniedOnly && !isAccessDenied(error)) checks.push({check, ok: true})
      else checks.push(failed(check, error))
    }
  }
  await probe(`secretsmanager:ListSecretVersionIds on ${path}`, 'ListSecretVersionIds', () =>
    client.sdk.send(new ListSecretVersionIdsCommand({SecretId: path, MaxResults: 1})),
  )
  await probe(`secretsmanager:GetSecretValue on ${path}`, 'GetSecretValue', async () => {
    await client.sdk.send(new GetSecretValueCommand({SecretId: path}))
  })
  await probe(
    `secretsmanager:UpdateSecretVersionStage on ${path} (probe; changes nothing)`,
    'UpdateSecretVersionStage',
    () => client.sdk.send(new UpdateSecretVersionStageCommand({SecretId: path, VersionStage: PROBE_LABEL, RemoveFromVersionId: PROBE_VERSION})),
    true,
  )
  return checks
}
