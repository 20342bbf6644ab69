import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {awsFactory} from '../../../providers/aws/factory.js'
import {azureFactory} from '../../../providers/azure/factory.js'
import {gcpFactory} from '../../../providers/gcp/factory.js'
import {toSecretId} from '../../../providers/gcp/naming.js'
import {vaultFactory} from '../../../providers/vault/factory.js'
import {json, runCli} from '../../support/cli.js'
import {parseHcl} from './hcl.js'

interface Statement {
  Sid: string
  Action: string[]
  Resource: string | string[]
  Condition?: Record<string, Record<string, unknown>>
}

describe('AWS read-only: GetSecretValue only for AWSCURRENT and AWSPREVIOUS', () => {
  const settings = awsFactory.settings.parse({region: 'eu-west-1'})
  const doc = JSON.parse(awsFactory.policy!({storeName: 'prod', settings, paths: ['app/key'], readOnly: true}).document) as {Statement: Statement[]}

  it('every statement that grants GetSecretValue carries the VersionStage condition and forbids VersionId', () => {
    const reads = doc.Statement.filter((s) => s.Action.includes('secretsmanager:GetSecretValue'))
    expect(reads).toHaveLength(1)
    for (const statement of reads) {
      const stages = Object.values(statement.Condition ?? {}).find((block) => 'secretsmanager:VersionStage' in block)
      expect(stages?.['secretsmanager:VersionStage']).toEqual(['AWSCURRENT', 'AWSPREVIOUS'])
      expect(statement.Condition?.Null).toEqual({'secretsmanager:VersionId': 'true'})
    }
  })

  it('grants no write, no batch read and nothing on `*`', () => {
    const actions = doc.Statement.flatMap((s) => s.Action)
    expect(actions.sort()).toEqual(['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'])
    expect(doc.Statement.flatMap((s) => [s.Resource].flat())).not.toContain('*')
  })
})

describe('Vault: destroy only for secrets that retire by destroy', () => {
  const settings = vaultFactory.settings.parse({address: 'https://vault.example.com'})
  const labels = (destroyPaths?: string[]) =>
    parseHcl(vaultFactory.policy!({storeName: 'vault', settings, paths: ['app/key', 'pay/api'], ...(destroyPaths ? {destroyPaths} : {}), readOnly: false}).document).map(
      (block) => block.label,
    )

  it('grants no destroy path when no secret says retire: destroy', () => {
    const granted = labels([])
    expect(granted.filter((label) => label.includes('/destroy/'))).toEqual([])
    expect(granted).toContain('secret/delete/app/key')
    expect(labels().filter((label) => label.includes('/destroy/'))).toEqual([])
  })

  it('grants destroy on exactly those that do', () => {
    expect(labels(['pay/api']).filter((label) => label.includes('/destroy/'))).toEqual(['secret/destroy/pay/api'])
  })
})

interface GcpDoc {
  bindings: Array<{role: string; condition: {expression: string}}>
  customRoles?: Array<{roleId: string; includedPermissions: string[]}>
}

describe('GCP: versions.destroy only for secrets that retire by destroy', () => {
  const settings = gcpFactory.settings.parse({project: 'my-project-1'})
  const doc = (destroyPaths: string[], readOnly = false) =>
    JSON.parse(gcpFactory.policy!({storeName: 'gcp', settings, paths: ['app/key', 'pay/api'], destroyPaths, readOnly}).document) as GcpDoc
  // Predefined roles that include secretmanager.versions.destroy.
  const destroyingRoles = ['roles/secretmanager.secretVersionManager', 'roles/secretmanager.admin', 'roles/owner', 'roles/editor']

  it('grants no destroy permission at all without retire: destroy', () => {
    const parsed = doc([])
    expect(parsed.bindings.map((b) => b.role).filter((role) => destroyingRoles.includes(role))).toEqual([])
    expect(parsed.customRoles?.flatMap((r) => r.includedPermissions)).not.toContain('secretmanager.versions.destroy')
    expect(parsed.customRoles?.flatMap((r) => r.includedPermissions)).toContain('secretmanager.versions.disable')
  })

  it('grants destroy through a role bound only to the secrets that destroy', () => {
    const parsed = doc(['pay/api'])
    const destroyer = parsed.customRoles?.find((r) => r.includedPermissions.includes('secretmanager.versions.destroy'))
    expect(destroyer?.includedPermissions).toEqual(['secretmanager.versions.destroy'])
    const binding = parsed.bindings.find((b) => b.role.endsWith(`/roles/${destroyer?.roleId}`))
    expect(binding?.condition.expression).toContain(`"/secrets/${toSecretId('pay/api')}"`)
    expect(binding?.condition.expression).not.toContain(`"/secrets/${toSecretId('app/key')}"`)
  })

  it('read-only is secretAccessor alone', () => {
    const parsed = doc(['pay/api'], true)
    expect(parsed.bindings.map((b) => b.role)).toEqual(['roles/secretmanager.secretAccessor'])
    expect(parsed.customRoles).toBeUndefined()
  })
})

interface AzureDoc {
  assignments: Array<{roleName: string; scope: string}>
  customRole?: {DataActions: string[]}
  toCreateSecrets?: {roleName: string; scope: string}
}

describe('Azure: grants at secret scope', () => {
  const settings = azureFactory.settings.parse({vaultUrl: 'https://team-kv.vault.azure.net'})
  const doc = (readOnly: boolean) =>
    JSON.parse(azureFactory.policy!({storeName: 'kv', settings, paths: ['app/key', 'pay/api'], readOnly}).document) as AzureDoc
  const secretScope = /\/providers\/Microsoft\.KeyVault\/vaults\/team-kv\/secrets\/[A-Za-z0-9-]+$/

  it('read-only: the built-in Secrets User on each secret, nothing at the vault scope', () => {
    const parsed = doc(true)
    expect(parsed.assignments).toHaveLength(2)
    for (const assignment of parsed.assignments) {
      expect(assignment.roleName).toBe('Key Vault Secrets User')
      expect(assignment.scope).toMatch(secretScope)
    }
    expect(JSON.stringify(parsed)).not.toMatch(/vaults\/team-kv"/)
  })

  it('rotor: the custom role on each secret; the vault scope only to create secrets', () => {
    const parsed = doc(false)
    for (const assignment of parsed.assignments) expect(assignment.scope).toMatch(secretScope)
    expect(parsed.customRole?.DataActions).not.toContain('Microsoft.KeyVault/vaults/secrets/delete')
    expect(parsed.toCreateSecrets?.scope).toMatch(/vaults\/team-kv$/)
  })
})

describe('rotor policy (built CLI): destroy follows `retire: destroy` in the config', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-policy-'))
    await writeFile(
      join(dir, 'rotor.yaml'),
      `version: 1
stores:
  vault:
    type: vault
    address: https://vault.example.com
  gcp:
    type: gcp
    project: my-project-1
secrets:
  kept:
    maxAge: 30d
    targets: [vault:app/kept, gcp:app/kept]
  gone:
    maxAge: 30d
    retire: destroy
    targets: [vault:app/gone, gcp:app/gone]
`,
    )
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('grants destroy on the destroying secret only, in both stores', async () => {
    const result = await runCli(['policy', '--json'], {cwd: dir})
    expect(result.code, result.stderr).toBe(0)
    const {stores} = json<{stores: Array<{store: string; policy: {document: string}}>}>(result)
    const vault = parseHcl(stores.find((s) => s.store === 'vault')!.policy.document).map((b) => b.label)
    expect(vault.filter((label) => label.includes('/destroy/'))).toEqual(['secret/destroy/app/gone'])
    const gcp = JSON.parse(stores.find((s) => s.store === 'gcp')!.policy.document) as GcpDoc
    const destroyBinding = gcp.bindings.filter((b) => b.role.endsWith('rotorVersionDestroyer'))
    expect(destroyBinding).toHaveLength(1)
    expect(destroyBinding[0].condition.expression).toContain(`"/secrets/${toSecretId('app/gone')}"`)
    expect(destroyBinding[0].condition.expression).not.toContain(`"/secrets/${toSecretId('app/kept')}"`)
  })
})
