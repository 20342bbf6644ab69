/**
 * The consumer's view of an issuer rotation (issue 16, "Done when"): a service that runs
 * `rotor exec --select app-db -- <log in with DB_USER/DB_PASSWORD>` every second never fails to log
 * in to a real PostgreSQL server across a rotation and the retire after grace. The rotation and the
 * retire are stopped at every store- and issuer-changing call (support/pause-at-checkpoints.mjs)
 * until a poll has logged in at that very point, so "during" is every step of both runs, not luck.
 * The CLI's clock is faked (ROTOR_TEST_NOW) to reach the end of grace; the polls run meanwhile.
 */
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type CliResult, json, ROOT, runCli} from '../support/cli.js'
import {logsIn, type PostgresServer, skipPostgresLoudly, startPostgres} from '../support/postgres.js'
import {setUpPostgresExample} from './support/postgres-example.js'

const skip = skipPostgresLoudly('the rotor exec polling test')

const T0 = '2026-03-02T04:00:00Z'
const ROTATED_AT = '2026-03-02T05:00:00Z'
const AFTER_GRACE = '2026-03-03T06:00:00Z'
const ADMIN_PASSWORD = 'Polling-admin-password-7316'
const PAUSE = new URL('./support/pause-at-checkpoints.mjs', import.meta.url).href

interface Poll {
  start: number
  end: number
  result: CliResult
}

interface Step {
  name: string
  start: number
  end: number
  /** Each checkpoint's label and the wall time it was held. */
  pauses: Array<{label: string; from: number; to: number}>
  result: CliResult
}

describe.skipIf(skip)('a consumer polling rotor exec every second across a PostgreSQL rotation and its retire', () => {
  let server: PostgresServer
  let dir: string
  const cli = (args: string[], now: string, extra: {env?: NodeJS.ProcessEnv; preload?: string[]} = {}) =>
    runCli(args, {cwd: dir, now, env: {PGADMIN_PASSWORD: ADMIN_PASSWORD, ...extra.env}, preload: extra.preload})

  beforeAll(async () => {
    server = await startPostgres()
    dir = await mkdtemp(join(tmpdir(), 'rotor-e2e-poll-'))
    // The administrator's one-time setup, exactly as the issuer's policy prints it.
    await setUpPostgresExample(server, dir, ADMIN_PASSWORD)
  }, 120_000)

  afterAll(async () => {
    await server?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('every poll logs in: before, at every step of, and after both the rotation and the retire', {timeout: 600_000}, async () => {
    const create = await cli(['apply', '--yes', '--json'], T0)
    expect(create.code, create.stderr).toBe(0)
    const first = await cli(['get', 'app-db', '--reveal', '--json'], T0)
    expect(first.code, first.stderr).toBe(0)
    const old = JSON.parse(json<{value: string}>(first).value) as {username: string; password: string}

    // The consumer: what a service started by `rotor exec` does, once a second.
    const script = `const pg=require(${JSON.stringify(join(ROOT, 'node_modules/pg'))});const c=new pg.Client({host:'127.0.0.1',port:${server.port},database:'app',user:process.env.DB_USER,password:process.env.DB_PASSWORD});c.connect().then(()=>c.query('SELECT current_user AS u')).then((r)=>{console.log('login ok as '+r.rows[0].u.toUpperCase());return c.end()}).catch((e)=>{console.error('login failed: '+e.code);process.exit(3)})`
    const polls: Poll[] = []
    let clock = T0
    let stopped = false
    const poller = (async () => {
      while (!stopped) {
        const start = Date.now()
        const result = await cli(['exec', '--select', 'app-db', '--', process.execPath, '-e', script], clock)
        polls.push({start, end: Date.now(), result})
        await sleep(Math.max(0, 1000 - (Date.now() - start)))
      }
    })()
    /** Resolves once a poll that started at or after `from` has finished (or after 60 s: the assertions then say why). */
    const pollSince = async (from: number) => {
      const deadline = Date.now() + 60_000
      while (!polls.some((p) => p.start >= from) && Date.now() < deadline) await sleep(50)
    }

    /** Runs a store-changing command, held at each checkpoint until a poll has logged in there. */
    const step = async (name: string, args: string[], now: string): Promise<Step> => {
      const pauseDir = join(dir, `pause-${name}`)
      await mkdir(pauseDir)
      await pollSince(Date.now())
      const start = Date.now()
      const pauses: Step['pauses'] = []
      let done = false
      const run = cli(args, now, {env: {ROTOR_PAUSE_DIR: pauseDir}, preload: [PAUSE]}).finally(() => (done = true))
      for (let n = 1; !done; ) {
        const files = await readdir(pauseDir)
        if (!files.includes(`at-${n}`)) {
          await sleep(20)
          continue
        }
        const from = Date.now()
        const label = await readFile(join(pauseDir, `at-${n}`), 'utf8')
        await pollSince(from)
        pauses.push({label, from, to: Date.now()})
        await writeFile(join(pauseDir, `go-${n}`), '')
        n++
      }
      const result = await run
      const end = Date.now()
      await pollSince(end)
      return {name, start, end, pauses, result}
    }

    let rotate: Step
    let retire: Step
    try {
      rotate = await step('rotate', ['rotate', 'app-db', '--yes', '--json'], ROTATED_AT)
      clock = AFTER_GRACE
      retire = await step('retire', ['apply', '--yes', '--json'], AFTER_GRACE)
    } finally {
      stopped = true
      await poller
    }

    // Every poll logged in, none failed at any point.
    const failed = polls.filter((p) => p.result.code !== 0 || !p.result.stdout.includes('login ok'))
    expect(failed.map((p) => `${p.result.code}: ${p.result.stdout}${p.result.stderr}`), `${failed.length} of ${polls.length} polls failed`).toEqual([])

    for (const s of [rotate, retire]) {
      expect(s.result.code, `${s.name}: ${s.result.stdout}${s.result.stderr}`).toBe(0)
      expect(polls.some((p) => p.end <= s.start), `no poll before the ${s.name}`).toBe(true)
      expect(polls.some((p) => p.start >= s.end), `no poll after the ${s.name}`).toBe(true)
      // At every store- and issuer-changing call of the run, a poll ran entirely while it was held there.
      expect(s.pauses.length, `${s.name} made no change`).toBeGreaterThan(0)
      for (const pause of s.pauses) {
        expect(polls.some((p) => p.start >= pause.from && p.end <= pause.to), `${s.name}: no poll while held after "${pause.label}"`).toBe(true)
      }
    }
    // The rotation did reach the database (the stores and the issuer changed), and the retire revoked the old role.
    const labels = (s: Step) => s.pauses.map((p) => p.label.split(' ')[0])
    expect(labels(rotate)).toEqual(expect.arrayContaining(['issuer-intent', 'issue', 'stage', 'promote']))
    expect(labels(retire)).toEqual(expect.arrayContaining(['retire', 'revoke']))
    // exec masks every field of the value in the program's output, the user name too: the script prints it upper-cased.
    const userOf = (p: Poll) => /login ok as (\S+)/.exec(p.result.stdout)?.[1]
    expect(userOf(polls.find((p) => p.end <= rotate.start)!)).toBe('APP_A')
    expect(userOf(polls.at(-1)!)).toBe('APP_B')
    const stored = await cli(['get', 'app-db', '--reveal', '--json'], AFTER_GRACE)
    expect(stored.code, stored.stderr).toBe(0)
    const current = JSON.parse(json<{value: string}>(stored).value) as {username: string; password: string}
    expect(current.username).toBe('app_b')
    expect(await logsIn(server, current, 'app')).toBe(true)
    expect(await logsIn(server, old, 'app'), 'the old credential still logs in after the retire').toBe(false)
    const plan = await cli(['plan', '--detailed-exitcode', '--json'], AFTER_GRACE)
    expect(plan.code, plan.stdout).toBe(0)
  })
})
