import {randomBytes} from 'node:crypto'
import {mkdtemp, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {TEST_CREDENTIALS} from '../emulators/aws/fixture.js'
import {type AwsEmulator, startAwsEmulator} from '../emulators/aws/server.js'
import {startVaultEmulator, type VaultEmulator} from '../emulators/vault/index.js'
import {json, runCli} from '../support/cli.js'

/**
 * Reports a person (and a pipeline) can act on, through the built CLI: exit codes that never say
 * "fine" when nothing could be read, read failures grouped by cause, overdue and deferred
 * rotations, the age of a rolled-back value, a live run holding the run lock, orphans.
 */
const T0 = '2026-03-02T04:30:00Z'
const DAY = 86_400_000
const at = (base: string, ms: number) => new Date(Date.parse(base) + ms).toISOString()

const CONFIG = (secrets: string[]) => `version: 1
audit: {path: .rotor/audit.log}
stores:
  local: {type: file, path: .rotor/local.enc}
  spare: {type: file, path: .rotor/spare.enc, keyFile: .rotor/spare.key}
secrets:
${secrets.join('\n')}
`
const SECRETS = {
  a: '  app-a: {maxAge: 30d, grace: 24h, targets: [local:app/a, spare:app/a]}',
  b: '  app-b: {maxAge: 30d, grace: 24h, targets: [local:app/b]}',
  c: '  app-c: {maxAge: 30d, grace: 24h, targets: [local:app/c]}',
}

interface Unreadable {
  targets: number
  unread: number
  groups: Array<{store: string; reason: string; hint?: string; count: number; targets: string[]}>
}

describe('read failures make status, plan, diff and check fail, grouped by cause (file stores)', () => {
  let dir: string
  const cli = (args: string[], now = T0, env: NodeJS.ProcessEnv = {}) => runCli(args, {cwd: dir, now, env})

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-reports-'))
    await writeFile(join(dir, 'rotor.yaml'), CONFIG([SECRETS.a, SECRETS.b, SECRETS.c]))
    const apply = await cli(['apply', '--yes', '--json'])
    expect(apply.code, apply.stderr).toBe(0)
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('exits 0 and reports nothing unreadable when every target is read', async () => {
    for (const args of [['status'], ['plan', '--detailed-exitcode'], ['diff', '--detailed-exitcode'], ['check']]) {
      const result = await cli([...args, '--json'])
      expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(0)
      expect(json(result)).not.toHaveProperty('unreadable')
    }
  })

  it('a wrong ROTOR_FILE_KEY: every command exits 1, and the cause is one line with a count', async () => {
    const env = {ROTOR_FILE_KEY: randomBytes(32).toString('base64')}
    for (const args of [['status'], ['plan'], ['plan', '--detailed-exitcode'], ['diff', '--detailed-exitcode'], ['check'], ['check', '--fail-on', 'never']]) {
      const result = await cli(args, T0, env)
      expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(1)
    }
    const status = await cli(['status'], T0, env)
    expect(status.stdout).toContain('Could not read any of the 4 target(s)')
    expect(status.stdout).toMatch(/3 targets on store local: .*key does not match/)
    const plan = await cli(['plan'], T0, env)
    // One line per cause, not one per secret.
    expect(plan.stdout.match(/key does not match/g)).toHaveLength(2)
    expect(plan.stdout).toMatch(/3 targets on store local: /)
    const statusJson = json<{secrets: Array<{targets: Array<{health: string; reason?: string}>}>; unreadable: Unreadable}>(await cli(['status', '--json'], T0, env))
    expect(statusJson.unreadable).toMatchObject({targets: 4, unread: 4, groups: [{store: 'local', count: 3}, {store: 'spare', count: 1}]})
    expect(statusJson.secrets[0].targets[0]).toMatchObject({health: 'error', reason: expect.stringContaining('key does not match')})
  })

  it('a deleted key file on one store: exit 3 (partial), and --detailed-exitcode does not turn it into 2', async () => {
    await rename(join(dir, '.rotor/spare.key'), join(dir, '.rotor/spare.key.away'))
    try {
      for (const args of [['status'], ['plan', '--detailed-exitcode'], ['diff', '--detailed-exitcode'], ['check', '--fail-on', 'never']]) {
        const result = await cli(args)
        expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(3)
      }
      // Drift on the other secrets would be "changes pending"; the partial read still wins.
      const later = await cli(['plan', '--detailed-exitcode', '--json'], at(T0, 40 * DAY))
      expect(later.code).toBe(3)
      expect(json<{actions: unknown[]; unreadable: Unreadable}>(later)).toMatchObject({
        actions: [{kind: 'rotate', secret: 'app-b'}, {kind: 'rotate', secret: 'app-c'}],
        unreadable: {targets: 4, unread: 1, groups: [{store: 'spare', count: 1, targets: ['spare:app/a'], hint: expect.stringContaining('spare.key')}]},
      })
      const status = await cli(['status'])
      expect(status.stdout).toContain('Could not read 1 of 4 target(s)')
      expect(status.stdout).toMatch(/spare:app\/a: .*key was not found/)
      expect(status.stdout).toContain('hint: ')
    } finally {
      await rename(join(dir, '.rotor/spare.key.away'), join(dir, '.rotor/spare.key'))
    }
  })
})

describe('status and check tell overdue, deferred, rolled-back and running secrets apart (file store)', () => {
  let dir: string
  const cli = (args: string[], now: string) => runCli(args, {cwd: dir, now})

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-reports-state-'))
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('a secret past maxAge shows `overdue 26d`, and check fails it as an error under the default --fail-on', async () => {
    await writeFile(join(dir, 'rotor.yaml'), CONFIG([SECRETS.b]))
    expect((await cli(['apply', '--yes'], T0)).code).toBe(0)
    const when = at(T0, 56 * DAY)
    const status = await cli(['status'], when)
    expect(status.stdout).toContain('overdue 26d')
    expect(json<{secrets: Array<Record<string, unknown>>}>(await cli(['status', '--json'], when)).secrets[0]).toMatchObject({
      health: 'due',
      overdueBy: '26d',
      overdueSince: at(T0, 30 * DAY),
    })
    const check = await cli(['check', '--json'], when)
    expect(check.code).toBe(6)
    expect(json<{findings: Array<{check: string; severity: string}>}>(check).findings).toContainEqual(expect.objectContaining({check: 'max-age', severity: 'error'}))
  })

  it('NEXT ROTATION shows a rotation deferred until grace ends', async () => {
    await writeFile(
      join(dir, 'rotor.yaml'),
      CONFIG(['  daily: {maxAge: 30d, grace: 12h, schedule: {cron: "0 3 * * *", timezone: UTC}, targets: [local:daily]}']),
    )
    expect((await cli(['apply', '--yes'], T0)).code).toBe(0)
    // Rotated by hand just before the 03:00 tick: the tick is due while the old value is in grace.
    expect((await cli(['rotate', 'daily', '--yes'], '2026-03-03T02:30:00Z')).code).toBe(0)
    const when = '2026-03-03T03:30:00Z'
    const plan = json<{deferred?: Array<{until?: string}>}>(await cli(['plan', '--json'], when))
    const until = plan.deferred?.[0]?.until
    expect(until).toBe('2026-03-03T14:30:00.000Z')
    const status = await cli(['status'], when)
    expect(status.stdout).toContain(`after grace ends at ${until}`)
    expect(json<{secrets: Array<Record<string, unknown>>}>(await cli(['status', '--json'], when)).secrets[0]).toMatchObject({deferral: {until}})
  })

  it('AGE after a rollback counts from the value, not from the rollback', async () => {
    await writeFile(join(dir, 'rotor.yaml'), CONFIG(['  rb: {maxAge: 30d, grace: 24h, targets: [local:rb]}']))
    expect((await cli(['apply', '--yes'], T0)).code).toBe(0)
    expect((await cli(['rotate', 'rb', '--yes'], at(T0, 2 * DAY))).code).toBe(0)
    const rollback = await cli(['rollback', 'rb', '--yes'], at(T0, 2 * DAY + 3_600_000))
    expect(rollback.code, rollback.stderr).toBe(0)
    const when = at(T0, 3 * DAY)
    const status = json<{secrets: Array<{name: string; currentSince: string; targets: Array<{currentVersion: string}>}>}>(await cli(['status', '--json'], when))
    const rb = status.secrets.find((s) => s.name === 'rb')!
    expect(rb.targets[0].currentVersion).toBe('1')
    expect(Date.parse(rb.currentSince)).toBeLessThanOrEqual(Date.parse(T0) + 60_000)
    expect((await cli(['status'], when)).stdout).toMatch(/rb\s+local:rb\s+\S+\s+1\s+3d/)
  })

  it('status names a live run holding the run lock, and calls a rotation interrupted only when its holder is gone', async () => {
    await writeFile(join(dir, 'rotor.yaml'), CONFIG(['  held: {maxAge: 30d, grace: 24h, targets: [local:held, spare:held]}']))
    expect((await cli(['apply', '--yes'], T0)).code).toBe(0)
    // Killed after staging on the primary: a pending version stays, and so does run.lock.
    const killed = await runCli(['rotate', 'held', '--yes'], {
      cwd: dir,
      now: at(T0, DAY),
      env: {ROTOR_KILL_AT: '3'},
      preload: [new URL('../fault/support/kill-at.mjs', import.meta.url).href],
    })
    expect(killed.code).not.toBe(0)
    const lockFile = join(dir, '.rotor/run.lock')
    expect(JSON.parse(await readFile(lockFile, 'utf8'))).toMatchObject({pid: expect.any(Number), host: hostname()})
    const gone = await cli(['status'], at(T0, DAY))
    expect(gone.stdout).toContain('an earlier run stopped mid-way')

    const since = new Date().toISOString()
    await writeFile(lockFile, JSON.stringify({pid: process.pid, host: hostname(), time: since, token: 'live'}))
    try {
      const live = await cli(['status'], at(T0, DAY))
      expect(live.stdout).not.toContain('an earlier run stopped mid-way')
      expect(live.stdout).toContain(`a rotor run is doing it now: pid ${process.pid} on ${hostname()} since ${since}`)
      const body = json<{runningBy: Record<string, unknown>; secrets: Array<{inFlight?: {runningBy?: unknown}}>}>(await cli(['status', '--json'], at(T0, DAY)))
      expect(body.runningBy).toMatchObject({pid: process.pid, host: hostname(), since, alive: true})
      expect(body.secrets.find((s) => s.inFlight)?.inFlight?.runningBy).toMatchObject({pid: process.pid})
    } finally {
      await rm(lockFile, {force: true})
    }
  })
})

describe('orphans, fixes, adoption and bad credentials against Vault and AWS (built CLI, emulators)', () => {
  let dir: string
  let aws: AwsEmulator
  let vault: VaultEmulator
  let env: NodeJS.ProcessEnv
  const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, {cwd: dir, env: {...env, ...extra}, now: T0})
  const vaultCall = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(`${vault.address}/v1/secret/${path}`, {method, headers: {'x-vault-token': vault.rootToken}, ...(body ? {body: JSON.stringify(body)} : {})})
    expect(response.ok).toBe(true)
  }
  const config = (secrets: string[]) => `version: 1
audit: {path: .rotor/audit.log}
stores:
  local: {type: file}
  aws: {type: aws, region: ${aws.region}, endpoint: "${aws.endpoint}"}
  vault: {type: vault, address: "${vault.address}"}
secrets:
${secrets.join('\n')}
`
  const ALL = [
    '  x: {maxAge: 30d, grace: 24h, targets: [aws:team/x, vault:team/x, local:team/x]}',
    '  y: {maxAge: 30d, grace: 24h, targets: [vault:team/y, aws:team/y]}',
    '  z: {maxAge: 30d, grace: 24h, targets: [vault:team/z, local:team/z]}',
    '  adopted: {maxAge: 30d, grace: 24h, adopt: true, targets: [vault:team/adopted]}',
  ]

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-reports-clouds-'))
    aws = await startAwsEmulator({credentials: [TEST_CREDENTIALS]})
    vault = await startVaultEmulator({})
    env = {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      VAULT_TOKEN: vault.rootToken,
    }
    await writeFile(join(dir, 'rotor.yaml'), config(ALL))
  })
  afterAll(async () => {
    await Promise.allSettled([aws?.close(), vault?.close()])
    await rm(dir, {recursive: true, force: true})
  })

  it('doctor reports a secret with adopt: true and no ownership tag as "will adopt", not BAD', async () => {
    await vaultCall('POST', 'data/team/adopted', {data: {value: 'written-by-another-tool'}})
    const doctor = await cli(['doctor'])
    expect(doctor.code, doctor.stdout + doctor.stderr).toBe(0)
    expect(doctor.stdout).toMatch(/will adopt ownership of team\/adopted/)
    expect(doctor.stdout).not.toContain('BAD')
    const body = json<{healthy: boolean; stores: Array<{store: string; checks: Array<{check: string; ok: boolean; state?: string}>}>}>(await cli(['doctor', '--json']))
    expect(body.healthy).toBe(true)
    expect(body.stores.find((s) => s.store === 'vault')?.checks).toContainEqual(expect.objectContaining({check: 'ownership of team/adopted', ok: true, state: 'will-adopt'}))
    const apply = await cli(['apply', '--yes', '--json'])
    expect(apply.code, apply.stderr).toBe(0)
  })

  it('a wrong Vault token: exit 3 while AWS is read, exit 1 when AWS credentials are wrong too; one line per cause', async () => {
    const badVault = {VAULT_TOKEN: 'not-a-token'}
    for (const args of [['status'], ['plan', '--detailed-exitcode'], ['diff', '--detailed-exitcode'], ['check', '--fail-on', 'never']]) {
      const result = await cli(args, badVault)
      expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(3)
    }
    const status = await cli(['status'], badVault)
    expect(status.stdout).toMatch(/4 targets on store vault: Vault rejected the token/)
    expect(status.stdout.match(/Vault rejected the token/g)).toHaveLength(1)
    const bad = {...badVault, AWS_SECRET_ACCESS_KEY: 'wrong-secret-key', ROTOR_FILE_KEY: randomBytes(32).toString('base64')}
    for (const args of [['status'], ['plan', '--detailed-exitcode'], ['diff', '--detailed-exitcode'], ['check']]) {
      const result = await cli(args, bad)
      expect(result.code, `${args.join(' ')}: ${result.stdout}${result.stderr}`).toBe(1)
    }
    const plan = json<{unreadable: Unreadable}>(await cli(['plan', '--json'], bad))
    expect(plan.unreadable).toMatchObject({unread: 8, targets: 8})
    expect(plan.unreadable.groups.map((g) => `${g.store} ${g.count}`).sort()).toEqual(['aws 2', 'local 2', 'vault 4'])
    expect(plan.unreadable.groups.find((g) => g.store === 'aws')?.reason).toMatch(/^DescribeSecret failed: The request signature/)
  })

  it('diff and check report rotor-owned secrets the config no longer names, with a hint; not secrets rotor does not own', async () => {
    await vaultCall('POST', 'data/team/handmade', {data: {value: 'not-rotors'}})
    await writeFile(join(dir, 'rotor.yaml'), config([ALL[0], ALL[3]]))
    try {
      const lists = aws.calls.ListSecrets ?? 0
      const diff = await cli(['diff', '--json', '--detailed-exitcode'])
      expect(diff.code, diff.stderr).toBe(2)
      // One listing of the store under the configured prefix, not one call per secret.
      expect(aws.calls.ListSecrets).toBe(lists + 1)
      const orphans = json<{orphans: Array<{target: string; hint: string}>}>(diff).orphans
      expect(orphans.map((o) => o.target)).toEqual(['aws:team/y', 'local:team/z', 'vault:team/y', 'vault:team/z'])
      expect(orphans[0].hint).toMatch(/add it back to rotor.yaml.*delete it in the store/)
      const text = await cli(['diff'])
      expect(text.stdout).toContain('Orphans (rotor-owned, not in the config):')
      expect(text.stdout).toContain('vault:team/z')
      expect(text.stdout).not.toContain('team/handmade')
      const check = await cli(['check', '--json'])
      const findings = json<{findings: Array<{check: string; severity: string; target?: string; hint?: string}>}>(check).findings.filter((f) => f.check === 'orphan')
      expect(findings.map((f) => f.target)).toEqual(['aws:team/y', 'local:team/z', 'vault:team/y', 'vault:team/z'])
      expect(findings.every((f) => f.severity === 'warning' && f.hint)).toBe(true)
    } finally {
      await writeFile(join(dir, 'rotor.yaml'), config(ALL))
    }
  })

  it('a store that cannot be listed makes diff and check exit 3 and name it; --no-orphans skips the search', async () => {
    aws.faults.deny('ListSecrets')
    try {
      const diff = await cli(['diff', '--json'])
      expect(diff.code, diff.stdout + diff.stderr).toBe(3)
      expect(diff.stderr).toMatch(/could not list aws under team\/ to look for orphans: .*--no-orphans/)
      expect(json<{unlisted: Array<{store: string}>}>(diff).unlisted.map((u) => u.store)).toEqual(['aws'])
      const check = await cli(['check', '--fail-on', 'never'])
      expect(check.code, check.stdout + check.stderr).toBe(3)
      const skipped = await cli(['diff', '--no-orphans'])
      expect(skipped.code, skipped.stderr).toBe(0)
      expect(skipped.stderr).not.toContain('could not list')
    } finally {
      aws.faults.allow('ListSecrets')
    }
  })

  it('diff suggests `rotor sync` only for drift sync can fix, `rotor restore` when the primary lost its value', async () => {
    await vaultCall('POST', 'data/team/x', {data: {value: 'typed-into-vault-by-hand'}})
    await vaultCall('DELETE', 'metadata/team/y')
    const diff = await cli(['diff', '--json'])
    const fixes = Object.fromEntries(json<{secrets: Array<{secret: string; fix?: {by: string; command?: string}}>}>(diff).secrets.map((s) => [s.secret, s.fix]))
    expect(fixes.x).toMatchObject({by: 'sync', command: 'rotor sync'})
    expect(fixes.y).toMatchObject({by: 'restore', command: 'rotor restore y'})
    expect(fixes.z).toBeUndefined()
    const text = await cli(['diff'])
    expect(text.stdout).toContain('`rotor sync` for x')
    expect(text.stdout).toContain('`rotor restore y` for y')
    expect(text.stdout).not.toMatch(/Run `rotor sync` to fix/)
  })
})
