import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {TEST_CREDENTIALS} from '../emulators/aws/fixture.js'
import {type AwsEmulator, startAwsEmulator} from '../emulators/aws/server.js'
import {type AzureEmulator, EMULATOR_TOKEN, startAzureEmulator} from '../emulators/azure/server.js'
import {type GcpEmulator, startGcpEmulator} from '../emulators/gcp/server.js'
import {startVaultEmulator, type VaultEmulator} from '../emulators/vault/index.js'
import {json, runCli} from '../support/cli.js'

/**
 * diff, sync and copy through the built CLI against the four cloud emulators and a file store,
 * with drift made the way other tools make it: a deleted secret, values written by hand.
 */
interface DiffJson {
  drift: boolean
  secrets: Array<{secret: string; drift: boolean; targets: Array<{target: string; state: string[]; comparedBy?: string; fingerprint?: string}>}>
}

const A = ['aws:app-a', 'azure:app-a', 'gcp:app-a', 'vault:app-a', 'local:app-a']
const B = ['gcp:app-b', 'vault:app-b', 'azure:app-b']

describe('rotor diff / sync / copy across AWS, Azure, GCP, Vault and the file store (built CLI, emulators)', () => {
  let dir: string
  let aws: AwsEmulator
  let azure: AzureEmulator
  let gcp: GcpEmulator
  let vault: VaultEmulator
  let env: NodeJS.ProcessEnv
  const cli = (...args: string[]) => runCli(args, {cwd: dir, env})
  const reveal = async (secret: string, target: string) => json<{value: string}>(await cli('get', secret, '--target', target, '--reveal', '--json')).value
  const vaultWrite = async (path: string, value: string) => {
    const response = await fetch(`${vault.address}/v1/secret/data/${path}`, {method: 'POST', headers: {'x-vault-token': vault.rootToken}, body: JSON.stringify({data: {value}})})
    expect(response.ok).toBe(true)
  }
  const states = (diff: DiffJson) =>
    Object.fromEntries(diff.secrets.flatMap((s) => s.targets.map((t) => [`${s.secret} ${t.target}`, t.state.join(',')])))

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-sync-e2e-'))
    aws = await startAwsEmulator({credentials: [TEST_CREDENTIALS]})
    azure = await startAzureEmulator({})
    gcp = await startGcpEmulator({})
    vault = await startVaultEmulator({})
    await writeFile(join(dir, 'ca.pem'), azure.ca)
    env = {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AZURE_KEYVAULT_ACCESS_TOKEN: EMULATOR_TOKEN,
      VAULT_TOKEN: vault.rootToken,
    }
    await writeFile(
      join(dir, 'rotor.yaml'),
      `version: 1
stores:
  local: {type: file}
  aws: {type: aws, region: ${aws.region}, endpoint: "${aws.endpoint}"}
  azure: {type: azure, vaultUrl: "${azure.vaultUrl}", caFile: ca.pem, disableChallengeResourceVerification: true, pollIntervalMs: 10}
  gcp: {type: gcp, project: rotor-test, endpoint: "${gcp.endpoint}:${gcp.port}", insecure: true}
  vault: {type: vault, address: "${vault.address}"}
secrets:
  app-a: {maxAge: 30d, grace: 24h, targets: [${A.join(', ')}]}
  app-b: {maxAge: 30d, grace: 24h, targets: [${B.join(', ')}]}
`,
    )
    const apply = await cli('apply', '--yes', '--json')
    expect(apply.code, apply.stderr).toBe(0)
  })
  afterAll(async () => {
    await Promise.allSettled([aws?.close(), azure?.close(), gcp?.close(), vault?.close()])
    await rm(dir, {recursive: true, force: true})
  })

  it('finds no drift after apply, from metadata alone', async () => {
    const gets = (aws.calls.GetSecretValue ?? 0) + (aws.calls.BatchGetSecretValue ?? 0)
    const result = await cli('diff', '--json', '--detailed-exitcode')
    expect(result.code, result.stderr).toBe(0)
    const diff = json<DiffJson>(result)
    expect(diff.drift).toBe(false)
    expect(Object.values(states(diff)).every((s) => s === 'in-sync')).toBe(true)
    expect((aws.calls.GetSecretValue ?? 0) + (aws.calls.BatchGetSecretValue ?? 0)).toBe(gets)
  })

  it('reports each kind of drift, never a value, and no progress bar without a terminal', async () => {
    gcp.state.secrets.delete('projects/rotor-test/secrets/app-a')
    await vaultWrite('app-a', 'typed-into-vault-by-hand')
    await vaultWrite('app-b', await reveal('app-b', 'gcp:app-b'))
    const latest = [...azure.state.secrets.values()].find((s) => s.name === 'app-b')!.versions.at(-1)!
    const {'rotor-rotation': _rotation, 'rotor-seq': _seq, ...tags} = latest.tags ?? {}
    azure.state.set('app-b', {value: 'pasted-into-the-portal', tags})
    // Written by a tool that carries every tag forward, rotor's rotation and sequence tags too.
    const copiedFrom = [...azure.state.secrets.values()].find((s) => s.name === 'app-a')!.versions.at(-1)!
    azure.state.set('app-a', {value: 'written-with-copied-tags', tags: {...copiedFrom.tags}})

    const batches = aws.calls.BatchGetSecretValue ?? 0
    const gets = aws.calls.GetSecretValue ?? 0
    const result = await cli('diff', '--json', '--detailed-exitcode')
    expect(result.code, result.stderr).toBe(2)
    const diff = json<DiffJson>(result)
    expect(states(diff)).toEqual({
      'app-a aws:app-a': 'in-sync',
      'app-a azure:app-a': 'stale',
      'app-a gcp:app-a': 'missing',
      'app-a vault:app-a': 'stale',
      'app-a local:app-a': 'in-sync',
      'app-b gcp:app-b': 'in-sync',
      'app-b vault:app-b': 'in-sync',
      'app-b azure:app-b': 'stale',
    })
    const b = diff.secrets.find((s) => s.secret === 'app-b')!
    expect(b.targets.find((t) => t.target === 'vault:app-b')).toMatchObject({comparedBy: 'fingerprint', fingerprint: expect.stringMatching(/^[0-9a-f]{10}$/)})
    // AWS, the primary of app-a, answered the value comparison with one batch call.
    expect((aws.calls.BatchGetSecretValue ?? 0) - batches).toBe(1)
    expect((aws.calls.GetSecretValue ?? 0) - gets).toBe(0)
    for (const text of [result.stdout, result.stderr]) {
      expect(text).not.toContain('typed-into-vault-by-hand')
      expect(text).not.toContain('pasted-into-the-portal')
      expect(text).not.toContain('written-with-copied-tags')
      expect(text).not.toMatch(/\r|\[#+\.*\]/)
    }

    const plain = await cli('diff')
    expect(plain.code).toBe(0)
    expect(plain.stdout).toContain('app-a: drift')
    expect(plain.stderr).not.toMatch(/\r|\[#+\.*\]/)
  })

  it('honours --shard: every secret in exactly one shard', async () => {
    const names: string[] = []
    for (const shard of ['1/2', '2/2']) names.push(...json<DiffJson>(await cli('diff', '--json', '--shard', shard)).secrets.map((s) => s.secret))
    expect(names.sort()).toEqual(['app-a', 'app-b'])
  })

  it('sync writes only what differs, then everything matches', async () => {
    const result = await cli('sync', '--yes', '--json')
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const out = json<{report: {results: Array<{action: {kind: string; target: {store: string; path: string}}; outcome: string}>}}>(result)
    // The versions the hand-written values pushed aside hold the value the copies restore: retired.
    expect(out.report.results.map((r) => `${r.action.kind} ${r.action.target.store}:${r.action.target.path} ${r.outcome}`).sort()).toEqual([
      'repair azure:app-a ok',
      'repair azure:app-b ok',
      'repair gcp:app-a ok',
      'repair vault:app-a ok',
      'retire azure:app-a ok',
      'retire azure:app-b ok',
      'retire vault:app-a ok',
    ])
    expect(result.stderr).not.toMatch(/\r|\[#+\.*\]/)
    const again = await cli('diff', '--detailed-exitcode')
    expect(again.code, again.stdout).toBe(0)
    for (const [secret, targets] of [['app-a', A], ['app-b', B]] as const) {
      const values = await Promise.all(targets.map((t) => reveal(secret, t)))
      expect(new Set(values).size).toBe(1)
    }
    const nothing = json<{plan: {actions: unknown[]}}>(await cli('sync', '--yes', '--json'))
    expect(nothing.plan.actions).toEqual([])
  })

  it('copy: creates destinations, writes nothing the second time, refuses a foreign one unless adopted, audit-logs', async () => {
    const source = await reveal('app-a', 'aws:app-a')
    const first = await cli('copy', '--from', 'aws:app-a', '--to', 'vault:copies/a,gcp:copy-a', '--yes', '--json')
    expect(first.code, first.stderr).toBe(0)
    expect(json<{report: {results: Array<{outcome: string}>}}>(first).report.results.map((r) => r.outcome)).toEqual(['ok', 'ok'])
    const second = json<{plan: {actions: unknown[]}}>(await cli('copy', '--yes', '--from', 'aws:app-a', '--to', 'vault:copies/a', '--to', 'gcp:copy-a', '--json'))
    expect(second.plan.actions).toEqual([])

    await vaultWrite('someone/else', 'belongs-to-another-team')
    const dry = await cli('copy', '--from', 'aws:app-a', '--to', 'vault:someone/else', '--dry-run', '--json')
    expect(json<{plan: {blocked: Array<{reason: string}>}}>(dry).plan.blocked[0].reason).toContain('not managed by rotor')
    const refused = await cli('copy', '--from', 'aws:app-a', '--to', 'vault:someone/else', '--yes')
    expect(refused.code).toBe(1)
    const adopted = await cli('copy', '--from', 'aws:app-a', '--to', 'vault:someone/else', '--adopt', '--yes', '--json')
    expect(adopted.code, adopted.stderr).toBe(0)
    const read = await fetch(`${vault.address}/v1/secret/data/someone/else`, {headers: {'x-vault-token': vault.rootToken}})
    expect(((await read.json()) as {data: {data: {value: string}}}).data.data.value).toBe(source)

    const audit = await readFile(join(dir, '.rotor/audit.log'), 'utf8')
    expect(audit).toContain('copy from aws:app-a')
    expect(audit).not.toContain(source)
  })
})
