/**
 * Azure RBAC for rotor on Key Vault (RBAC permission model). Pure, to be attached to the azure
 * factory as `policy`. Built-in roles: "Key Vault Secrets Officer" (manage) and "Key Vault
 * Secrets User" (read) at the vault's scope; or a custom role with exactly the data actions
 * rotor uses, assignable at the scope of each existing secret (`.../vaults/<v>/secrets/<name>`).
 * A secret that does not exist yet can only be created under a vault-scope assignment.
 */
import {secretNameFor} from './naming.js'
import type {PolicyDocument, PolicyInput} from '../types.js'

export const MANAGE_DATA_ACTIONS = [
  'Microsoft.KeyVault/vaults/secrets/getSecret/action',
  'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  'Microsoft.KeyVault/vaults/secrets/setSecret/action',
  'Microsoft.KeyVault/vaults/secrets/update/action',
  'Microsoft.KeyVault/vaults/secrets/recover/action',
]
export const READ_DATA_ACTIONS = ['Microsoft.KeyVault/vaults/secrets/getSecret/action', 'Microsoft.KeyVault/vaults/secrets/readMetadata/action']

const BUILT_IN = {manage: 'Key Vault Secrets Officer', read: 'Key Vault Secrets User'}

export function azurePolicy(input: PolicyInput): PolicyDocument {
  const {vaultUrl} = input.settings as {vaultUrl: string}
  const vaultName = new URL(vaultUrl).hostname.split('.')[0]
  const vaultScope = `/subscriptions/SUBSCRIPTION_ID/resourceGroups/RESOURCE_GROUP/providers/Microsoft.KeyVault/vaults/${vaultName}`
  const names = [...new Set(input.paths.map(secretNameFor))].sort()
  const document = {
    builtInRole: {roleName: input.readOnly ? BUILT_IN.read : BUILT_IN.manage, scope: vaultScope},
    customRole: {
      Name: input.readOnly ? 'rotor secrets reader' : 'rotor secrets rotator',
      IsCustom: true,
      Description: input.readOnly ? 'Read the current value of secrets rotor manages.' : 'What rotor needs to rotate secrets in Key Vault.',
      Actions: [],
      DataActions: input.readOnly ? READ_DATA_ACTIONS : MANAGE_DATA_ACTIONS,
      NotDataActions: [],
      AssignableScopes: [vaultScope],
    },
    assignmentScopes: names.map((name) => `${vaultScope}/secrets/${name}`),
  }
  return {
    format: 'json',
    title: `Azure RBAC for store ${input.storeName} (vault ${vaultName})${input.readOnly ? ', read-only' : ''}`,
    document: JSON.stringify(document, null, 2),
    notes: [
      'replace SUBSCRIPTION_ID and RESOURCE_GROUP with the vault\'s',
      `either assign the built-in role "${document.builtInRole.roleName}" at the vault scope, or create the custom role and assign it at each secret scope in assignmentScopes`,
      ...(input.readOnly ? [] : ['secret-scope assignments only cover secrets that exist: rotor needs a vault-scope assignment to create new ones']),
    ],
  }
}
