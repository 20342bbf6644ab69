import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type AwsEmulator, startAwsEmulator} from '../emulators/aws/server.js'
import {TEST_CREDENTIALS} from '../emulators/aws/fixture.js'
import {startVaultEmulator, type VaultEmulator} from '../emulators/vault/index.js'
import {type CliResult, json, runCli} from '../support/cli.js'

const T0 = '2026-03-02T04:00:00Z'
const ROTATED_AT = '2026-03-02T05:00:00Z'
const DURING_GRACE = '2026-03-02T12:00:00Z'
const AFTER_GRACE = '2026-03-03T06:00:00Z'
const TARGETS = ['local:app/key', 'aws:app/key', 'vault:app/key']

/** The built CLI, with a file store, AWS Secrets Manager and Vault (emulators) as targets of one secret. */
describe('rotor end to end across file, AWS and Vault (built CLI, emulators)', () => {
  let dir: string
  let aws: AwsEmulator
  let vault: VaultEmulator
  let env: NodeJS.ProcessEnv
  const outputs: CliResult[] = []
  // The stores' clocks follow the CLI's fake clock, as synchronised clocks would in production.
  let storeNow = T0
  const cli = async (args: string[], now: string) => {
    storeNow = now
    const result = await runCli(args, {cwd: dir, now, env})
    outputs.push(result)
    return result
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-cloud-e2e-'))
    aws = await startAwsEmulator({credentials: [TEST_CREDENTIALS], now: () => Date.parse(storeNow)})
    vault = await startVaultEmulator({now: () => new Date(storeNow)})
    env = {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      VAULT_TOKEN: vault.rootToken,
    }
    await writeFile(
      join(dir, 'rotor.yaml'),
      `version: 1
stores:
  local:
    type: file
  aws:
    type: aws
    region: ${aws.region}
    endpoint: ${aws.endpoint}
  vault:
    type: vault
    address: ${vault.address}
secrets:
  app-key:
    generator: {length: 40, prefix: rk_test_, checksum: crc32}
    maxAge: 30d
    grace: 24h
    targets: [${TARGETS.join(', ')}]
  signing-key:
    maxAge: 30d
    grace: 24h
    retire: destroy
    targets: [local:app/signing, vault:app/signing]
`,
    )
  })
  afterAll(async () => {
    await aws?.close()
    await vault?.close()
    await rm(dir, {recursive: true, force: true})
  })

  const reveal = async (target: string, now: string) =>
    json<{value: string; versionId: string}>(await runCli(['get', 'app-key', '--target', target, '--reveal', '--json'], {cwd: dir, now, env}))

  it('creates the secrets on every target with one value', async () => {
    const apply = await cli(['apply', '--yes', '--json'], T0)
    expect(apply.code, apply.stderr).toBe(0)
    const values = await Promise.all(TARGETS.map((t) => reveal(t, T0)))
    expect(new Set(values.map((v) => v.value)).size).toBe(1)
    expect(values[0].value).toMatch(/^rk_test_/)
    const doctor = await cli(['doctor', '--json'], T0)
    expect(doctor.code, doctor.stdout).toBe(0)
  })

  it('rotates everywhere and keeps the old value valid on every target during grace', async () => {
    const before = await reveal('aws:app/key', ROTATED_AT)
    const rotate = await cli(['rotate', '--yes', 'app-key', '--json'], ROTATED_AT)
    expect(rotate.code, rotate.stderr).toBe(0)
    const rotateSigning = await cli(['rotate', '--yes', 'signing-key', '--json'], ROTATED_AT)
    expect(rotateSigning.code, rotateSigning.stderr).toBe(0)
    const current = await Promise.all(TARGETS.map((t) => reveal(t, DURING_GRACE)))
    expect(new Set(current.map((v) => v.value)).size).toBe(1)
    expect(current[0].value).not.toBe(before.value)
    for (const target of TARGETS) {
      const previous = await runCli(['get', 'app-key', '--target', target, '--role', 'previous', '--reveal'], {cwd: dir, now: DURING_GRACE, env})
      expect(previous.stdout.trim(), `${target} previous`).toBe(before.value)
    }
    const status = json<{secrets: Array<{health: string; targets: Array<{health: string}>}>}>(await cli(['status', '--json'], DURING_GRACE))
    expect(status.secrets[0].health).toBe('in-grace')
    expect(status.secrets[0].targets.map((t) => t.health)).toEqual(['ok', 'ok', 'ok'])
  })

  it('retires the previous version on every target once grace is over', async () => {
    const plan = json<{actions: Array<{kind: string; secret: string; mode?: string; target: {store: string}}>}>(await cli(['plan', '--json'], AFTER_GRACE))
    expect(plan.actions.filter((a) => a.secret === 'app-key').map((a) => `${a.kind}:${a.target.store}`).sort()).toEqual(['retire:aws', 'retire:local', 'retire:vault'])
    expect(plan.actions.filter((a) => a.secret === 'signing-key').map((a) => `${a.mode}:${a.target.store}`).sort()).toEqual(['destroy:local', 'destroy:vault'])
    const apply = await cli(['apply', '--yes', '--json'], AFTER_GRACE)
    expect(apply.code, apply.stderr).toBe(0)
    for (const target of TARGETS) {
      const previous = await cli(['get', 'app-key', '--target', target, '--role', 'previous'], AFTER_GRACE)
      expect(previous.code, `${target} previous should be gone`).not.toBe(0)
    }
    const again = await cli(['plan', '--detailed-exitcode'], AFTER_GRACE)
    expect(again.code, again.stdout).toBe(0)
    // status reports the soft-deleted (app-key) and destroyed (signing-key) previous versions as gone.
    type Status = {secrets: Array<{name: string; health: string; targets: Array<{target: string; previousVersion?: string}>}>}
    const status = json<Status>(await cli(['status', '--json'], AFTER_GRACE))
    for (const s of status.secrets) {
      expect(s.health, s.name).toBe('ok')
      for (const t of s.targets) expect(t.previousVersion, `${s.name} ${t.target}`).toBeUndefined()
    }
    // In Vault itself: the signing key's first version is destroyed, app-key's only soft-deleted.
    const kv = vault.state.kv('secret')
    expect(kv.keys.get('app/signing')?.versions.get(1)).toMatchObject({destroyed: true})
    expect(kv.keys.get('app/key')?.versions.get(1)).toMatchObject({destroyed: false, deletionTime: expect.any(Date)})
  })

  it('audits every change and never prints a value', async () => {
    const verify = await cli(['audit', 'verify', '--json'], AFTER_GRACE)
    expect(json(verify)).toMatchObject({ok: true})
    const audit = await readFile(join(dir, '.rotor/audit.log'), 'utf8')
    const actions = audit.trim().split('\n').map((l) => JSON.parse(l) as {action: string; target: string; outcome: string})
    expect(actions.filter((a) => a.action === 'retire' && a.outcome === 'ok').map((a) => a.target).sort()).toEqual([...TARGETS].sort())
    const value = (await reveal('local:app/key', AFTER_GRACE)).value
    const everything = [...outputs.flatMap((o) => [o.stdout, o.stderr]), audit].join('\n')
    expect(everything).not.toContain(value)
  })
})
