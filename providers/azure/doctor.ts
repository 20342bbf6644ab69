/**
 * `rotor doctor` for Azure: prove reachability, credentials and permissions without writing a
 * secret. Reads are checked by doing them (list secrets, list versions, get the current value,
 * whose value is dropped at once). The update permission (secrets/update/action) is probed with a
 * PATCH of a version id that does not exist: Key Vault authorizes before it looks the version up,
 * so 403 means missing, 404 means allowed, and nothing changes. SetSecret cannot be proven without
 * a write; "Key Vault Secrets Officer" grants it together with the rest.
 */
import {isNotFound, type RotorError} from '../../src/errors/index.js'
import type {DoctorCheck} from '../types.js'
import type {AzureStoreClient} from './client.js'
import {recoverHint} from './errors.js'
import {splitTags} from './mapping.js'

const PROBE_VERSION = '00000000000000000000000000000000'

const isForbidden = (error: unknown) => ((error as RotorError)?.cause as {statusCode?: number} | undefined)?.statusCode === 403

function failed(check: string, error: unknown): DoctorCheck {
  const e = error as RotorError
  return {check, ok: false, detail: e.message, ...(e.hint ? {hint: e.hint} : {})}
}

export async function azureDoctor(client: AzureStoreClient, paths: string[]): Promise<DoctorCheck[]> {
  const reach = `reach ${client.settings.vaultUrl} with ${client.credentialSource}`
  const list = 'list secrets (Microsoft.KeyVault/vaults/secrets/readMetadata/action)'
  const checks: DoctorCheck[] = []
  try {
    await client.call('GetSecrets', undefined, async () => {
      // One page of one item is enough to prove the way in.
      for await (const page of client.sdk.listPropertiesOfSecrets().byPage({maxPageSize: 1})) {
        void page
        break
      }
    })
    checks.push({check: reach, ok: true}, {check: list, ok: true})
  } catch (error) {
    // An authenticated "no" still proves the vault and the credentials work.
    if (!isForbidden(error)) return [failed(reach, error)]
    checks.push({check: reach, ok: true}, failed(list, error))
  }
  for (const path of paths) checks.push(...(await pathChecks(client, path)))
  return checks
}

async function pathChecks(client: AzureStoreClient, path: string): Promise<DoctorCheck[]> {
  let name: string
  try {
    name = client.nameOf(path)
  } catch (error) {
    return [failed(`Key Vault name for ${path}`, error)]
  }
  const versions = `list versions of ${path} (secret ${name})`
  let listed
  try {
    listed = await client.listVersions(path)
  } catch (error) {
    return [failed(versions, error)]
  }
  if (!listed) return [{check: versions, ok: true, detail: 'does not exist yet; rotor will create it (needs secrets/setSecret/action)'}, ...(await softDeleted(client, path, name))]
  const checks: DoctorCheck[] = [{check: versions, ok: true}]
  const holder = client.stateVersion(listed)
  if (!splitTags(holder?.tags).owned) {
    checks.push({check: `ownership of ${path}`, ok: false, detail: 'exists without the managed-by=rotor tag', hint: 'set `adopt: true` on the secret to let rotor take it over'})
  }
  const current = listed.versions.find((v) => v.role === 'current')
  if (current) {
    try {
      await client.valueOf(path, current.id)
      checks.push({check: `read ${path} (secrets/getSecret/action)`, ok: true})
    } catch (error) {
      checks.push(failed(`read ${path} (secrets/getSecret/action)`, error))
    }
  }
  const update = `update ${path} (secrets/update/action; probe, changes nothing)`
  try {
    await client.call('UpdateSecret', path, () => client.sdk.updateSecretProperties(name, PROBE_VERSION, {}))
    checks.push({check: update, ok: true})
  } catch (error) {
    checks.push(isNotFound(error) ? {check: update, ok: true} : failed(update, error))
  }
  return checks
}

/** A missing secret may be soft-deleted: rotor recovers it on write, which needs recover permission. */
async function softDeleted(client: AzureStoreClient, path: string, name: string): Promise<DoctorCheck[]> {
  try {
    const deleted = await client.call('GetDeletedSecret', path, () => client.sdk.getDeletedSecret(name))
    const owned = splitTags(deleted.properties.tags).owned
    return [
      {
        check: `recover soft-deleted ${path}`,
        ok: owned,
        detail: owned ? 'soft-deleted; rotor will recover it on the next write (needs secrets/recover/action)' : 'soft-deleted by another tool; rotor will not recover it',
        hint: recoverHint(name),
      },
    ]
  } catch (error) {
    if (isNotFound(error)) return []
    return [failed(`look for a soft-deleted ${path}`, error)]
  }
}
