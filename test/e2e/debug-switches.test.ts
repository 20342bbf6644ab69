import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {TEST_CREDENTIALS} from '../emulators/aws/fixture.js'
import {type AwsEmulator, startAwsEmulator} from '../emulators/aws/server.js'
import {type AzureEmulator, EMULATOR_TOKEN, startAzureEmulator} from '../emulators/azure/server.js'
import {type GcpEmulator, startGcpEmulator} from '../emulators/gcp/server.js'
import {startVaultEmulator, type VaultEmulator} from '../emulators/vault/index.js'
import {type CliResult, json, runCli} from '../support/cli.js'

/**
 * SDK and runtime debug switches print request and response bodies. With each one set, against
 * every store kind (emulators speak the real wire protocols), apply, get (without --reveal) and
 * status must not print a value in any form a log line could carry it: raw, base64 or base64url
 * at any byte offset, hex, percent-encoded, or as a byte array of decimal numbers.
 */
const SWITCHES: Array<{name: string; env: Record<string, string>; refused?: boolean; names?: string[]}> = [
  {name: 'GOOGLE_SDK_NODE_LOGGING', env: {GOOGLE_SDK_NODE_LOGGING: '*'}},
  {name: 'GRPC_TRACE', env: {GRPC_TRACE: 'all', GRPC_VERBOSITY: 'DEBUG'}},
  {name: 'AZURE_LOG_LEVEL', env: {AZURE_LOG_LEVEL: 'verbose'}},
  {name: 'DEBUG', env: {DEBUG: '*'}},
  {name: 'NODE_DEBUG', env: {NODE_DEBUG: 'http,https,tls,net,child_process,request,fetch,undici'}, refused: true},
]
const KINDS = ['file', 'aws', 'azure', 'gcp', 'vault'] as const
type Kind = (typeof KINDS)[number]

/** Every form of `value` a debug line could print; written here independently of src/redact. */
function leakForms(value: string): string[] {
  const bytes = Buffer.from(value, 'utf8')
  const forms = [value, encodeURIComponent(value), bytes.toString('hex'), bytes.toString('hex').toUpperCase(), [...bytes].join(','), [...bytes].join(', ')]
  for (const skip of [0, 1, 2]) {
    const aligned = bytes.subarray(skip, skip + Math.floor((bytes.length - skip) / 3) * 3)
    forms.push(aligned.toString('base64'), aligned.toString('base64url'))
  }
  return forms
}

describe('debug switches never print a value (built CLI, every store kind)', () => {
  let root: string
  let aws: AwsEmulator
  let azure: AzureEmulator
  let gcp: GcpEmulator
  let vault: VaultEmulator
  let env: NodeJS.ProcessEnv

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'rotor-debug-switches-'))
    ;[aws, azure, gcp, vault] = await Promise.all([startAwsEmulator({credentials: [TEST_CREDENTIALS]}), startAzureEmulator({}), startGcpEmulator({}), startVaultEmulator({})])
    await writeFile(join(root, 'ca.pem'), azure.ca)
    env = {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AZURE_KEYVAULT_ACCESS_TOKEN: EMULATOR_TOKEN,
      VAULT_TOKEN: vault.rootToken,
    }
  })
  afterAll(async () => {
    await Promise.allSettled([aws?.close(), azure?.close(), gcp?.close(), vault?.close()])
    await rm(root, {recursive: true, force: true})
  })

  const store = (kind: Kind): string =>
    ({
      file: '{type: file}',
      aws: `{type: aws, region: ${aws.region}, endpoint: "${aws.endpoint}"}`,
      azure: `{type: azure, vaultUrl: "${azure.vaultUrl}", caFile: ${join(root, 'ca.pem')}, disableChallengeResourceVerification: true, pollIntervalMs: 10}`,
      gcp: `{type: gcp, project: rotor-test, endpoint: "${gcp.endpoint}:${gcp.port}", insecure: true}`,
      vault: `{type: vault, address: "${vault.address}"}`,
    })[kind]

  /** A folder and a secret of its own per store kind and switch, so apply creates (writes) it. */
  async function world(kind: Kind, switchName: string) {
    const dir = join(root, `${kind}-${switchName.toLowerCase()}`)
    await mkdir(dir, {recursive: true})
    const path = `dbg-${switchName.toLowerCase().replace(/_/g, '-')}`
    await writeFile(join(dir, 'rotor.yaml'), `version: 1\nstores:\n  s: ${store(kind)}\nsecrets:\n  app: {maxAge: 30d, targets: ["s:${path}"]}\n`)
    return {
      cli: (args: string[], extra: Record<string, string> = {}) => runCli(args, {cwd: dir, env: {...env, ...extra}}),
    }
  }

  // The switches rotor neutralises are set together (each is still named in a warning, and each
  // would print on its own); NODE_DEBUG, which rotor refuses, runs apart. Two worlds per store
  // kind instead of five keep this file's share of `npm test` small.
  const together = {
    name: 'ALL_NEUTRALISED',
    refused: false,
    names: SWITCHES.filter((sw) => !sw.refused).map((sw) => sw.name),
    env: Object.assign({}, ...SWITCHES.filter((sw) => !sw.refused).map((sw) => sw.env)) as Record<string, string>,
  }
  const runs = [together, ...SWITCHES.filter((sw) => sw.refused).map((sw) => ({...sw, names: [sw.name]}))]

  for (const kind of KINDS) {
    it(`${kind}: apply, get and status print no value with any debug switch set`, {timeout: 600_000}, async () => {
      for (const sw of runs) {
        const w = await world(kind, sw.name)
        // NODE_DEBUG is refused, so the secret is created without it first.
        if (sw.refused) expect((await w.cli(['apply', '--yes'])).code).toBe(0)
        const outputs: Array<{args: string[]} & CliResult> = []
        // A refusal comes before any command's work, so two commands show it.
        const commands = sw.refused ? [['get', 'app'], ['status', '--json']] : [['apply', '--yes'], ['get', 'app'], ['status', '--json']]
        for (const args of commands) {
          const result = await w.cli(args, sw.env)
          outputs.push({args, ...result})
          if (sw.refused) {
            expect(result.code, `${kind} ${sw.name} ${args.join(' ')}: ${result.stderr}`).toBe(64)
            // Under --json the error is the document on stdout.
            expect(result.stdout + result.stderr).toContain('NODE_DEBUG=')
            expect(result.stdout + result.stderr).toContain('rotor does not run with it')
          } else {
            expect(result.code, `${kind} ${sw.name} ${args.join(' ')}: ${result.stderr}`).toBe(0)
            for (const name of sw.names) expect(result.stderr, `${kind} ${name} ${args.join(' ')}`).toContain(name)
            expect(result.stderr).toContain('is ignored')
          }
        }
        if (!sw.refused) for (const name of sw.names) expect(json<{warnings: string[]}>(outputs.at(-1)!).warnings.join('\n')).toContain(name)
        const reveal = await w.cli(['get', 'app', '--reveal', '--json'])
        expect(reveal.code, reveal.stderr).toBe(0)
        const value = json<{value: string}>(reveal).value
        expect(value.length).toBeGreaterThan(16)
        for (const {args, stdout, stderr} of outputs) {
          for (const form of leakForms(value)) {
            expect(stdout, `${kind} ${sw.name} ${args.join(' ')} stdout`).not.toContain(form)
            expect(stderr, `${kind} ${sw.name} ${args.join(' ')} stderr`).not.toContain(form)
          }
        }
      }
    })
  }

  it('get without --reveal reads no value: only metadata calls reach the store', {timeout: 120_000}, async () => {
    const w = await world('aws', 'describe-only')
    expect((await w.cli(['apply', '--yes'])).code).toBe(0)
    const reads = () => (aws.calls.GetSecretValue ?? 0) + (aws.calls.BatchGetSecretValue ?? 0)
    const before = reads()
    const described = await w.cli(['get', 'app', '--json'])
    expect(described.code, described.stderr).toBe(0)
    expect(json(described)).toMatchObject({secret: 'app', role: 'current', redacted: true, versionId: expect.any(String)})
    expect(await w.cli(['get', 'app'])).toMatchObject({code: 0})
    expect(reads()).toBe(before)
    // A missing role is still an error, found from the description alone.
    const previous = await w.cli(['get', 'app', '--role', 'previous'])
    expect(previous.code).not.toBe(0)
    expect(previous.stderr).toContain('has no readable previous version')
    expect(reads()).toBe(before)
    // --reveal is a read: the emulator sees it.
    expect((await w.cli(['get', 'app', '--reveal'])).code).toBe(0)
    expect(reads()).toBeGreaterThan(before)
  })

  it('get without --reveal reads no value from Azure, GCP or Vault either', {timeout: 120_000}, async () => {
    /** Azure calls made by `run`, by operation (the emulator counts them). */
    const azureCalls = async (run: () => Promise<unknown>): Promise<Record<string, number>> => {
      const before = {...azure.calls}
      await run()
      return Object.fromEntries(Object.entries(azure.calls).flatMap(([op, n]) => (n! - (before[op] ?? 0) > 0 ? [[op, n! - (before[op] ?? 0)]] : [])))
    }
    for (const kind of ['azure', 'gcp', 'vault'] as const) {
      const w = await world(kind, 'describe-only')
      expect((await w.cli(['apply', '--yes'])).code).toBe(0)
      // Azure: GET secrets/{name}[/{version}] answers with the value (GetSecret); listing versions does not.
      const readers = {
        azure: () => azure.calls.GetSecret ?? 0,
        gcp: () => gcp.calls.AccessSecretVersion ?? 0,
        vault: () => vault.calls.filter((c) => c.method === 'GET' && c.path.includes('/data/')).length,
      }
      const reads = readers[kind]
      const before = reads()
      const described = await azureCalls(async () => expect((await w.cli(['get', 'app'])).code).toBe(0))
      expect(reads(), kind).toBe(before)
      // One listing of the versions (with their properties), no value.
      if (kind === 'azure') expect(described).toEqual({GetSecretVersions: 1})
      // --reveal is a read: the emulator counts it, so the count above could have moved.
      const revealed = await azureCalls(async () => expect((await w.cli(['get', 'app', '--reveal'])).code).toBe(0))
      expect(reads(), kind).toBeGreaterThan(before)
      if (kind === 'azure') expect(revealed).toEqual({GetSecretVersions: 1, GetSecret: 1})
    }
  })
})
