import {randomBytes} from 'node:crypto'
import {mkdtemp, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
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
