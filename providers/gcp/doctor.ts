/**
 * `rotor doctor` for GCP: prove reachability, credentials and permissions without writing.
 * ListSecrets (page size 1) proves the endpoint, the credentials and secretmanager.secrets.list
 * on the project; per secret, GetSecret, then TestIamPermissions names each permission rotor
 * needs that the caller lacks (it answers with the subset held, and needs no permission itself).
 * secretmanager.secrets.create is a project permission that TestIamPermissions on a secret
 * cannot show; the first creation reports it if missing.
 */
import {isNotFound, type RotorError} from '../../src/errors/index.js'
import type {DoctorCheck} from '../types.js'
import type {GcpStoreClient} from './client.js'
import {Code, grpcCode} from './errors.js'
import {isOwned} from './mapping.js'
import {parentOf} from './naming.js'
import {CALL, endpointOf} from './sdk.js'

/** What rotor does on a secret it manages; `destroy` only with `retire: destroy`. */
export const NEEDED_PERMISSIONS = [
  'secretmanager.secrets.get',
  'secretmanager.secrets.update',
  'secretmanager.versions.list',
  'secretmanager.versions.get',
  'secretmanager.versions.access',
  'secretmanager.versions.add',
  'secretmanager.versions.disable',
  'secretmanager.versions.destroy',
]
const ONLY_FOR_DESTROY = 'secretmanager.versions.destroy'

const isDenied = (error: unknown) => grpcCode(error) === Code.PERMISSION_DENIED

function failed(check: string, error: unknown): DoctorCheck {
  const e = error as RotorError
  return {check, ok: false, detail: e.message, ...(e.hint ? {hint: e.hint} : {})}
}

export async function gcpDoctor(client: GcpStoreClient, paths: string[]): Promise<DoctorCheck[]> {
  const {host, port} = endpointOf(client.settings)
  const reach = `reach ${host}:${port} (${client.settings.transport}) for project ${client.settings.project}`
  const checks: DoctorCheck[] = []
  try {
    await client.call('ListSecrets', undefined, () => client.sdk.listSecrets({parent: parentOf(client.where), pageSize: 1}, {...CALL, autoPaginate: false}))
    checks.push({check: reach, ok: true}, {check: `secretmanager.secrets.list on ${parentOf(client.where)}`, ok: true})
  } catch (error) {
    // An authenticated "no" still proves the endpoint and the credentials work.
    if (!isDenied(error)) return [failed(reach, error)]
    checks.push({check: reach, ok: true}, failed(`secretmanager.secrets.list on ${parentOf(client.where)}`, error))
  }
  if (client.settings.insecure) {
    checks.push({
      check: 'transport security',
      ok: true,
      detail: 'insecure: plain text without credentials; only for a local emulator',
      hint: 'remove `insecure` (and `endpoint`) for a real project',
    })
  }
  for (const path of paths) checks.push(...(await pathChecks(client, path)))
  return checks
}

async function pathChecks(client: GcpStoreClient, path: string): Promise<DoctorCheck[]> {
  const get = `secretmanager.secrets.get on ${path}`
  let secret
  try {
    secret = await client.getSecret(path)
  } catch (error) {
    return [failed(get, error)]
  }
  if (!secret) {
    return [{check: get, ok: true, detail: 'does not exist yet; rotor will create it (needs secretmanager.secrets.create on the project)'}]
  }
  const checks: DoctorCheck[] = [{check: get, ok: true}]
  if (!isOwned(secret)) {
    checks.push({
      check: `ownership of ${path}`,
      ok: false,
      detail: 'exists without the label managed-by=rotor',
      hint: 'set `adopt: true` on the secret to let rotor take it over',
    })
  }
  let held: string[]
  try {
    const [out] = await client.call('TestIamPermissions', path, () =>
      client.sdk.testIamPermissions({resource: client.secretName(path), permissions: NEEDED_PERMISSIONS}, CALL),
    )
    held = out.permissions ?? []
  } catch (error) {
    if (isNotFound(error)) return checks
    return [...checks, failed(`permissions on ${path} (TestIamPermissions)`, error)]
  }
  for (const permission of NEEDED_PERMISSIONS) {
    const check = `${permission} on ${path}`
    if (held.includes(permission)) checks.push({check, ok: true})
    else if (permission === ONLY_FOR_DESTROY) checks.push({check, ok: true, detail: 'not granted; needed only with `retire: destroy`'})
    else {
      checks.push({
        check,
        ok: false,
        detail: 'not granted',
        hint: `grant ${permission} on ${client.secretName(path)} (roles/secretmanager.admin, or the custom role in docs/stores/gcp.md)`,
      })
    }
  }
  return checks
}
