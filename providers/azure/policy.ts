/**
 * Azure RBAC for rotor on Key Vault (RBAC permission model). Pure; the azure factory's `policy`.
 * Key Vault data-plane roles can be assigned at the scope of one secret
 * (`.../vaults/<v>/secrets/<name>`), so both documents grant there, secret by secret:
 * - read-only: the built-in "Key Vault Secrets User" (get and read metadata) on each secret;
 * - rotor: a custom role with exactly the data actions rotor uses, on each secret. A secret that
 *   does not exist yet has no scope of its own: creating it needs a vault-scope assignment
 *   ("Key Vault Secrets Officer"), which can be removed once the first `rotor apply` created them.
 */
import type {PolicyDocument, PolicyInput} from '../types.js'
import {secretNameFor} from './naming.js'

export const MANAGE_DATA_ACTIONS = [
  'Microsoft.KeyVault/vaults/secrets/getSecret/action',
  'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  'Microsoft.KeyVault/vaults/secrets/setSecret/action',
  'Microsoft.KeyVault/vaults/secrets/update/action',
  'Microsoft.KeyVault/vaults/secrets/recover/action',
]
export const READ_DATA_ACTIONS = ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action']

export const BUILT_IN = {manage: 'Key Vault Secrets Officer', read: 'Key Vault Secrets User'}
const CUSTOM_ROLE = 'rotor secrets rotator'

export function azurePolicy(input: PolicyInput): PolicyDocument {
  const {vaultUrl} = input.settings as {vaultUrl: string}
  const vaultName = new URL(vaultUrl).hostname.split('.')[0]
  const vaultScope = `/subscriptions/SUBSCRIPTION_ID/resourceGroups/RESOURCE_GROUP/providers/Microsoft.KeyVault/vaults/${vaultName}`
  const secretScopes = [...new Set(input.paths.map(secretNameFor))].sort().map((name) => `${vaultScope}/secrets/${name}`)
  const role = input.readOnly ? BUILT_IN.read : CUSTOM_ROLE
  const document = {
    assignments: secretScopes.map((scope) => ({roleName: role, scope})),
    ...(input.readOnly
      ? {}
      : {
          customRole: {
            Name: CUSTOM_ROLE,
            IsCustom: true,
            Description: 'What rotor needs to rotate secrets in Key Vault.',
            Actions: [],
            DataActions: MANAGE_DATA_ACTIONS,
            NotDataActions: [],
            AssignableScopes: [vaultScope],
          },
          toCreateSecrets: {roleName: BUILT_IN.manage, scope: vaultScope},
        }),
  }
  return {
    format: 'json',
    title: `Azure RBAC for store ${input.storeName} (vault ${vaultName})${input.readOnly ? ', read-only' : ''}`,
    document: JSON.stringify(document, null, 2),
    notes: [
      'replace SUBSCRIPTION_ID and RESOURCE_GROUP with the vault\'s',
      input.readOnly
        ? `assign the built-in role "${BUILT_IN.read}" at each secret scope in assignments (az role assignment create --scope <scope>)`
        : `create the custom role, and assign it at each secret scope in assignments; "${BUILT_IN.manage}" at the vault scope (toCreateSecrets) is needed only until the first \`rotor apply\` has created the secrets`,
    ],
  }
}
