/**
 * examples/postgres.yaml through the built CLI against a private PostgreSQL cluster: apply creates
 * the login at the database, rotate moves to the other role, during grace both the old and the new
 * credential log in, and once grace has ended `apply` revokes the old one so only the new logs in.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type CliResult, json, ROOT, runCli} from '../support/cli.js'
import {logsIn, type PostgresServer, skipPostgresLoudly, startPostgres} from '../support/postgres.js'
import {setUpPostgresExample} from './support/postgres-example.js'

const skip = skipPostgresLoudly('the examples/postgres.yaml end-to-end run')

const T0 = '2026-03-02T04:00:00Z'
const ROTATED_AT = '2026-03-02T05:00:00Z'
const DURING_GRACE = '2026-03-02T12:00:00Z'
const AFTER_GRACE = '2026-03-03T06:00:00Z'
const LEAKED = '2026-03-03T07:00:00Z'
const ADMIN_PASSWORD = 'E2e-admin-password-4821'

describe.skipIf(skip)('examples/postgres.yaml end to end (built CLI, private PostgreSQL)', () => {
  let server: PostgresServer
  let dir: string
  const outputs: CliResult[] = []
  const cli = async (args: string[], now: string) => {
    const result = await runCli(args, {cwd: dir, now, env: {PGADMIN_PASSWORD: ADMIN_PASSWORD}})
    outputs.push(result)
    return result
  }

  /** The stored value of the role: `get --reveal --json` gives the JSON text of its fields. */
  async function stored(role: 'current' | 'previous', now: string): Promise<{username: string; password: string}> {
    const result = await cli(['get', 'app-db', '--role', role, '--reveal', '--json'], now)
    expect(result.code, result.stderr).toBe(0)
    return JSON.parse(json<{value: string}>(result).value) as {username: string; password: string}
  }

  const loginWorks = (credential: {username: string; password: string}) => logsIn(server, credential, 'app')

  beforeAll(async () => {
    server = await startPostgres()
    dir = await mkdtemp(join(tmpdir(), 'rotor-e2e-pg-'))
    // The administrator's one-time setup, exactly as the issuer's policy prints it.
    await setUpPostgresExample(server, dir, ADMIN_PASSWORD)
  }, 120_000)

  afterAll(async () => {
    await server?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
    const leaked = outputs.filter((o) => o.stderr.includes(ADMIN_PASSWORD) || o.stdout.includes(ADMIN_PASSWORD))
    expect(leaked).toEqual([])
  })

  it('the example validates', async () => {
    const validate = await cli(['config', 'validate', '--json'], T0)
    expect(validate.code, validate.stderr).toBe(0)
    expect(json(validate)).toMatchObject({valid: true, secrets: ['app-db']})
  })

  it('apply sets a password on the first role and stores {username, password}; it logs in', async () => {
    const apply = await cli(['apply', '--yes', '--json'], T0)
    expect(apply.code, apply.stderr).toBe(0)
    const current = await stored('current', T0)
    expect(current.username).toBe('app_a')
    expect(await loginWorks(current)).toBe(true)
  })

  it('a consumer gets the fields as variables through exec', async () => {
    const script = `const pg=require(${JSON.stringify(join(ROOT, 'node_modules/pg'))});const c=new pg.Client({host:'127.0.0.1',port:${server.port},database:'app',user:process.env.DB_USER,password:process.env.DB_PASSWORD});c.connect().then(()=>c.query('SELECT 1')).then(()=>{console.log('login ok');return c.end()}).catch((e)=>{console.error(e.code);process.exit(3)})`
    const exec = await cli(['exec', '--select', 'app-db', '--', process.execPath, '-e', script], T0)
    expect(exec.code, exec.stderr).toBe(0)
    expect(exec.stdout).toContain('login ok')
  })

  it('rotate moves to the other role; during grace the old and the new credential both log in', async () => {
    const before = await stored('current', T0)
    const rotate = await cli(['rotate', '--yes', 'app-db', '--json'], ROTATED_AT)
    expect(rotate.code, rotate.stderr).toBe(0)
    const current = await stored('current', DURING_GRACE)
    const previous = await stored('previous', DURING_GRACE)
    expect(current.username).toBe('app_b')
    expect(previous).toEqual(before)
    expect(await loginWorks(previous)).toBe(true)
    expect(await loginWorks(current)).toBe(true)
  })

  it('after grace, apply revokes the old role: only the new credential logs in', async () => {
    const old = await stored('previous', DURING_GRACE)
    const current = await stored('current', DURING_GRACE)
    const apply = await cli(['apply', '--yes', '--json'], AFTER_GRACE)
    expect(apply.code, apply.stderr).toBe(0)
    expect(await loginWorks(old)).toBe(false)
    expect(await loginWorks(current)).toBe(true)
    const again = await cli(['plan', '--detailed-exitcode', '--json'], AFTER_GRACE)
    expect(again.code, again.stdout).toBe(0)
  })

  it('an emergency rotation moves to the other role and revokes the leaked one in the same run', async () => {
    const leaked = await stored('current', LEAKED)
    const emergency = await cli(['rotate', 'app-db', '--emergency', '--reason', 'password in a screenshot', '--yes', '--json'], LEAKED)
    expect(emergency.code, `${emergency.stdout}\n${emergency.stderr}`).toBe(0)
    const fresh = await stored('current', LEAKED)
    expect(fresh.username).not.toBe(leaked.username)
    // No grace: the leaked login is refused right after the run, the new one works.
    expect(await loginWorks(leaked)).toBe(false)
    expect(await loginWorks(fresh)).toBe(true)
  })
})
