/**
 * The Vault policy (HCL) rotor needs on exactly the configured KV v2 keys, honouring `mount` and
 * `pathPrefix`. One block per API path, no globs: a glob would also grant keys rotor does not
 * manage. Token lookup/renewal and the mount preflight (`sys/internal/ui/mounts/...`) are covered
 * by Vault's built-in `default` policy, which every token carries unless created with
 * `-no-default-policy`.
 */
import type {PolicyDocument, PolicyInput} from '../types.js'
import type {VaultSettings} from './factory.js'

type Area = 'data' | 'metadata' | 'delete' | 'destroy'

/** What rotor does on each endpoint (see client.ts): POST on metadata is `create` or `update`. */
export const MANAGE_CAPABILITIES: Record<Area, string[]> = {
  data: ['create', 'read', 'update'],
  metadata: ['create', 'read', 'update', 'patch'],
  delete: ['update'],
  destroy: ['update'],
}
export const READ_CAPABILITIES: Partial<Record<Area, string[]>> = {data: ['read']}

export function vaultApiPath(settings: Pick<VaultSettings, 'mount' | 'pathPrefix'>, area: Area, path: string): string {
  return `${settings.mount}/${area}/${settings.pathPrefix ? `${settings.pathPrefix}/` : ''}${path}`
}

export function vaultPolicy(input: PolicyInput): PolicyDocument {
  const settings = input.settings as VaultSettings
  const table = input.readOnly ? READ_CAPABILITIES : MANAGE_CAPABILITIES
  // Destroying a version cannot be undone: only secrets that say `retire: destroy` get it.
  const destroys = new Set(input.destroyPaths ?? [])
  const blocks: string[] = []
  for (const path of [...new Set(input.paths)].sort()) {
    for (const [area, capabilities] of Object.entries(table) as Array<[Area, string[]]>) {
      if (area === 'destroy' && !destroys.has(path)) continue
      const list = capabilities.map((c) => `"${c}"`).join(', ')
      blocks.push(`path "${hclEscape(vaultApiPath(settings, area, path))}" {\n  capabilities = [${list}]\n}`)
    }
  }
  const header = `# rotor ${input.readOnly ? 'read-only access (for applications)' : 'access'} to ${input.paths.length} KV v2 secret(s) of store ${input.storeName}`
  const notes = settings.namespace ? [`write this policy in namespace ${settings.namespace}`] : []
  return {
    format: 'hcl',
    title: `Vault policy for store ${input.storeName}${input.readOnly ? ' (read-only, for applications)' : ''}`,
    document: `${[header, ...blocks].join('\n\n')}\n`,
    notes,
  }
}

const hclEscape = (text: string) => text.replace(/[\\"]/g, '\\$&').replace(/\$\{/g, '$${').replace(/%\{/g, '%%{')
