import {CreateSecretCommand, ListSecretVersionIdsCommand, PutSecretValueCommand, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {TEST_CREDENTIALS} from '../emulators/aws/fixture.js'
import {type AwsEmulator, startAwsEmulator} from '../emulators/aws/server.js'
import {startVaultEmulator, type VaultEmulator} from '../emulators/vault/index.js'
import {ROOT, json, runCli} from '../support/cli.js'
import {CLOUD_STARTERS} from '../../src/cli/starter.js'

const T0 = '2026-03-02T04:00:00Z'
const LATER = '2026-03-02T05:00:00Z'

interface ImportJson {
  candidates: Array<{name: string; target: string; adopt: boolean}>
  skipped: unknown[]
  written?: string
}

describe('rotor import against the AWS and Vault emulators (built CLI)', () => {
  let dir: string
  let aws: AwsEmulator
  let vault: VaultEmulator
  let raw: SecretsManagerClient
  let env: NodeJS.ProcessEnv
  let original: string
  const cli = (args: string[], now = LATER) => runCli(args, {cwd: dir, now, env})

  const awsVersions = async (id: string) => (await raw.send(new ListSecretVersionIdsCommand({SecretId: id}))).Versions!.map((v) => v.VersionId).sort()
  const vaultVersion = async (path: string) => {
    const response = await fetch(`${vault.address}/v1/secret/metadata/${path}`, {headers: {'X-Vault-Token': vault.rootToken}})
    return ((await response.json()) as {data: {current_version: number}}).data.current_version
  }
  const vaultWrite = (path: string, value: string) =>
    fetch(`${vault.address}/v1/secret/data/${path}`, {method: 'POST', headers: {'X-Vault-Token': vault.rootToken}, body: JSON.stringify({data: {value}})})

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-import-'))
    aws = await startAwsEmulator({credentials: [TEST_CREDENTIALS], now: () => Date.parse(T0)})
    vault = await startVaultEmulator({now: () => new Date(T0)})
    raw = new SecretsManagerClient({region: aws.region, endpoint: aws.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1})
    env = {AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey, VAULT_TOKEN: vault.rootToken}
    original = `# Payments team secrets. Owner: ops@example.com
version: 1
audit: {path: .rotor/audit.log, keyFile: audit.key}
stores:
  aws:
    type: aws
    region: ${aws.region}
    endpoint: ${aws.endpoint}   # the emulator
  vault:
    type: vault
    address: ${vault.address}
secrets:
  # Already managed by rotor.
  managed:
    maxAge: 30d
    targets: [aws:app/managed]
`
    await writeFile(join(dir, 'rotor.yaml'), original)
    expect((await cli(['apply', '--yes'], T0)).code).toBe(0)
    // Secrets someone made by hand, before rotor.
    await raw.send(new CreateSecretCommand({Name: 'app/db-password', SecretString: 'hunter2-hunter2'}))
    await raw.send(new PutSecretValueCommand({SecretId: 'app/db-password', SecretString: 'hunter3-hunter3'}))
    await raw.send(new CreateSecretCommand({Name: 'app/legacy/Token', SecretString: 'tok-1234567890'}))
    await raw.send(new CreateSecretCommand({Name: 'other/unrelated', SecretString: 'x-1234567890'}))
    expect((await vaultWrite('app/api', 'vault-value-1')).ok).toBe(true)
    expect((await vaultWrite('app/api', 'vault-value-2')).ok).toBe(true)
  })
  afterAll(async () => {
    await aws?.close()
    await vault?.close()
    await rm(dir, {recursive: true, force: true})
  })

  it('lists what rotor does not manage yet under the prefix, as entries that adopt it', async () => {
    const result = await cli(['import', '--store', 'aws', '--prefix', 'app/', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(json<ImportJson>(result).candidates).toEqual([
      expect.objectContaining({name: 'app-db-password', target: 'aws:app/db-password', adopt: true}),
      expect.objectContaining({name: 'app-legacy-token', target: 'aws:app/legacy/Token', adopt: true}),
    ])
    const text = await cli(['import', '--store', 'aws', '--prefix', 'app/'])
    const entries = parse(text.stdout)
    expect(entries['app-db-password']).toEqual({description: 'Imported from aws:app/db-password', adopt: true, maxAge: '90d', targets: ['aws:app/db-password']})
    expect(text.stdout).not.toContain('hunter')
    const unknown = await cli(['import', '--store', 'gcp'])
    expect(unknown.code).toBe(64)
    expect(unknown.stderr).toContain('no store named "gcp"')
  })

  it('--write appends them keeping comments; the config validates and apply adopts without new versions', async () => {
    expect((await cli(['import', '--store', 'aws', '--prefix', 'app/', '--write'])).code).toBe(0)
    const vaultImport = await cli(['import', '--store', 'vault', '--write', '--json'])
    expect(json<ImportJson>(vaultImport).candidates).toEqual([expect.objectContaining({target: 'vault:app/api', adopt: true})])
    const written = await readFile(join(dir, 'rotor.yaml'), 'utf8')
    // What was there stays byte for byte, comments included; the entries follow it.
    expect(written.startsWith(original)).toBe(true)
    expect(written).toContain('# TODO: when should it rotate?')
    const validate = await cli(['config', 'validate'])
    expect(validate.code, validate.stderr).toBe(0)

    const before = {db: await awsVersions('app/db-password'), token: await awsVersions('app/legacy/Token'), api: await vaultVersion('app/api')}
    const apply = await cli(['apply', '--yes', '--json'])
    expect(apply.code, apply.stderr).toBe(0)
    expect({db: await awsVersions('app/db-password'), token: await awsVersions('app/legacy/Token'), api: await vaultVersion('app/api')}).toEqual(before)
    const status = json<{secrets: Array<{name: string; health: string}>}>(await cli(['status', '--json']))
    const health = Object.fromEntries(status.secrets.map((s) => [s.name, s.health]))
    // Owned now (not blocked or unowned); a hand-made previous version counts as in grace.
    for (const name of ['app-db-password', 'app-legacy-token', 'app-api']) expect(['ok', 'in-grace'], name).toContain(health[name])
    // Adopted: rotor owns them now, and nothing is left to import there.
    expect(json<ImportJson>(await cli(['import', '--store', 'aws', '--prefix', 'app/', '--json'])).candidates).toEqual([])
    const get = json<{value: string}>(await cli(['get', 'app-db-password', '--reveal', '--json']))
    expect(get.value).toBe('hunter3-hunter3')
  })
})

describe('rotor init --store (built CLI)', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-init-store-'))
  })
  afterAll(() => rm(dir, {recursive: true, force: true}))

  for (const store of Object.keys(CLOUD_STARTERS) as Array<keyof typeof CLOUD_STARTERS>) {
    it(`writes a valid starter for ${store}, the same as examples/${store}.yaml`, async () => {
      const config = join(dir, `${store}.yaml`)
      const init = await runCli(['init', '--store', store, '--config', config, '--json'], {cwd: dir})
      expect(init.code, init.stderr).toBe(0)
      const text = await readFile(config, 'utf8')
      expect(text).toBe(await readFile(join(ROOT, 'examples', `${store}.yaml`), 'utf8'))
      const parsed = parse(text)
      expect(Object.values(parsed.stores as Record<string, {type: string}>).map((s) => s.type)).toEqual([store])
      const validate = await runCli(['config', 'validate', '--config', config], {cwd: dir})
      expect(validate.code, validate.stderr).toBe(0)
    })
  }

  it('refuses an unknown store kind', async () => {
    const result = await runCli(['init', '--store', 'dropbox', '--config', join(dir, 'x.yaml')], {cwd: dir})
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/aws.*vault.*azure.*gcp|Expected --store/s)
  })
})
