/**
 * `rotor doctor` for a Vault store: reachability and seal state, the token (TTL, renewable),
 * the mount's KV version, the policy's capabilities on every endpoint rotor uses for each
 * path (sys/capabilities-self: no secret is read or written), and ownership.
 */
import {isRotorError} from '../../src/errors/index.js'
import {describePaths} from '../describe-many.js'
import type {DoctorCheck} from '../types.js'
import type {VaultStoreClient} from './client.js'

/** What rotor does on each endpoint, and the capabilities it needs there. */
const NEEDS: Array<{area: 'data' | 'metadata' | 'delete' | 'destroy'; capabilities: string[]; why: string}> = [
  {area: 'data', capabilities: ['create', 'read', 'update'], why: 'read and write versions'},
  {area: 'metadata', capabilities: ['create', 'patch', 'read'], why: 'read versions, keep rotor state in custom_metadata'},
  {area: 'delete', capabilities: ['update'], why: 'retire (soft-delete) old versions'},
  {area: 'destroy', capabilities: ['update'], why: 'retire with destroy'},
]

export async function vaultDoctor(client: VaultStoreClient, paths: string[]): Promise<DoctorCheck[]> {
  const {session} = client
  const checks: DoctorCheck[] = []
  const fail = (check: string, error: unknown): DoctorCheck => ({
    check,
    ok: false,
    detail: error instanceof Error ? error.message : String(error),
    ...(isRotorError(error) && error.hint ? {hint: error.hint} : {}),
  })

  const reach = `reach Vault at ${session.address}`
  try {
    // node-vault resolves sys/health with the body for any status.
    const health = (await session.vault.health()) as {initialized?: boolean; sealed?: boolean; version?: string}
    if (health.sealed) checks.push({check: reach, ok: false, detail: 'Vault is sealed', hint: 'unseal Vault (`vault operator unseal`)'})
    else if (health.initialized === false) checks.push({check: reach, ok: false, detail: 'Vault is not initialized', hint: 'run `vault operator init`'})
    else checks.push({check: reach, ok: true, detail: `Vault ${health.version ?? '(version unknown)'}`})
  } catch (error) {
    checks.push(fail(reach, error))
  }
  if (!checks[0].ok) return checks

  const tokenCheck = 'Vault token (lookup-self)'
  try {
    const token = await session.lookupToken()
    const ttl = token.expiresAt === null ? 'never expires' : `expires in ${Math.round((token.expiresAt - session.now().getTime()) / 1000)}s`
    checks.push({check: tokenCheck, ok: true, detail: `${ttl}, ${token.renewable ? 'renewable' : 'not renewable'}`})
    await session.ensureTokenLasts()
  } catch (error) {
    checks.push(fail(tokenCheck, error))
    return checks
  }

  const mountCheck = `KV version of ${session.settings.mount}/`
  try {
    await session.ensureKvV2()
    checks.push({check: mountCheck, ok: true, detail: 'KV version 2'})
  } catch (error) {
    checks.push(fail(mountCheck, error))
    return checks
  }

  const apiPaths = paths.flatMap((p) => NEEDS.map((need) => client.apiPath(need.area, p)))
  let granted: Record<string, string[]> = {}
  try {
    if (apiPaths.length > 0) {
      const op = session.op('sys/capabilities-self', 'update')
      const result = (await session.call(op, (v) => v.write('sys/capabilities-self', {paths: apiPaths}))) as {
        data?: Record<string, string[]>
      } & Record<string, unknown>
      granted = (result.data ?? result) as Record<string, string[]>
    }
  } catch (error) {
    checks.push(fail('policy capabilities (sys/capabilities-self)', error))
    return checks
  }
  for (const path of paths) {
    const missing: string[] = []
    for (const need of NEEDS) {
      const apiPath = client.apiPath(need.area, path)
      const have = granted[apiPath] ?? []
      if (have.includes('root')) continue
      const lacking = need.capabilities.filter((c) => !have.includes(c) || have.includes('deny'))
      if (lacking.length > 0) missing.push(`${lacking.join(', ')} on ${apiPath} (to ${need.why})`)
    }
    checks.push({
      check: `policy for ${path}`,
      ok: missing.length === 0,
      ...(missing.length > 0
        ? {detail: `missing ${missing.join('; ')}`, hint: 'add the stanzas of docs/stores/vault.md (Vault policy) for this path'}
        : {}),
    })
  }

  try {
    for (const snapshot of (await describePaths(client, paths, 4)).values()) {
      if (snapshot instanceof Error) throw snapshot
      if (snapshot.exists && !snapshot.owned) {
        checks.push({
          check: `ownership of ${snapshot.path}`,
          ok: false,
          detail: 'exists without the managed-by: rotor custom_metadata',
          hint: 'set `adopt: true` on the secret to let rotor take it over',
        })
      }
    }
  } catch (error) {
    checks.push(fail('read secret metadata', error))
  }
  return checks
}
