/**
 * The command issuer's contract with its programs: values only in the environment, the exit-code
 * table, timeouts that kill the whole process group, rotor's credentials kept out, and program
 * output redacted in errors. The programs are small node scripts written per test.
 */
import {chmod, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {commandIssuerFactory, type CommandSettings} from '../../../providers/issuers/command/factory.js'
import {SecretValue} from '../../../providers/types.js'
import {AuthError, ConflictError, InvalidRequestError, RotorError, UnavailableError} from '../../../src/errors/index.js'
import {processAlive} from '../../../src/util/process.js'

let dir: string
const SECRET = 'Sekr1t-value-for-the-command-issuer-9Qx'

// prog.mjs <mode> [arg]: records what it got in $RECORD_DIR/<ROTOR_ACTION>.json, then acts.
const PROGRAM = `#!/usr/bin/env node
import {writeFileSync, readFileSync} from 'node:fs'
import {spawn} from 'node:child_process'
const [mode, arg] = process.argv.slice(2)
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => /^(ROTOR_|PARTNER_|AWS_|PATH$)/.test(k)))
const cmdline = readFileSync('/proc/self/cmdline', 'utf8').split('\\0')
writeFileSync(process.env.RECORD_DIR + '/' + process.env.ROTOR_ACTION + '.json', JSON.stringify({argv: process.argv.slice(2), cmdline, env}))
if (mode === 'exit') process.exit(Number(arg))
if (mode === 'echo') { process.stderr.write('the service said: bad key ' + process.env.ROTOR_SECRET_VALUE + '\\n'); process.exit(Number(arg)) }
if (mode === 'print') { process.stdout.write(arg + '\\n'); process.exit(0) }
if (mode === 'hang') {
  const child = spawn('sleep', ['600'], {stdio: 'ignore'})
  writeFileSync(process.env.RECORD_DIR + '/grandchild.pid', String(child.pid))
  setInterval(() => {}, 1000)
}
`

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-command-issuer-'))
  await writeFile(join(dir, 'prog.mjs'), PROGRAM)
  await chmod(join(dir, 'prog.mjs'), 0o755)
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

const base: CommandSettings = {
  accept: ['./prog.mjs', 'exit', '0'],
  check: ['./prog.mjs', 'exit', '0'],
  revoke: ['./prog.mjs', 'exit', '0'],
  passEnv: ['RECORD_DIR', 'PARTNER_TOKEN'],
}

async function client(settings: Partial<CommandSettings> = {}, binding = {id: 'acme'}) {
  const env = {PATH: process.env.PATH, RECORD_DIR: dir, PARTNER_TOKEN: 'partner-token-1234', AWS_SECRET_ACCESS_KEY: 'rotors-own-aws-secret-key', HOME: '/nonexistent'}
  return commandIssuerFactory.create('partner', {...base, ...settings}, binding, {baseDir: dir, env, now: () => new Date()})
}

const record = async (action: string) =>
  JSON.parse(await readFile(join(dir, `${action}.json`), 'utf8')) as {argv: string[]; cmdline: string[]; env: Record<string, string>}
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as Error,
  )
const value = (id: string) => SecretValue.fromFields({id, value: SECRET})

describe('command issuer programs', () => {
  it('get the value in the environment only, never in argv, with the documented variables', async () => {
    const issuer = await client({}, {id: 'acme', args: ['--account', 'billing']} as never)
    const issued = await issuer.issue({rotationId: 'rot-123', keep: ['acme-a'], secret: new SecretValue(SECRET)})
    expect(issued.id).toBe('acme-b')
    expect(issued.value.fields()).toEqual({id: 'acme-b', value: SECRET})
    const seen = await record('accept')
    expect(seen.argv).toEqual(['exit', '0', '--account', 'billing'])
    expect(seen.cmdline.join(' ')).not.toContain(SECRET)
    expect(seen.env).toMatchObject({
      ROTOR_ACTION: 'accept',
      ROTOR_ISSUER: 'partner',
      ROTOR_BINDING_ID: 'acme',
      ROTOR_CREDENTIAL_ID: 'acme-b',
      ROTOR_SECRET_VALUE: SECRET,
      ROTOR_ROTATION_ID: 'rot-123',
      ROTOR_KEEP_IDS: 'acme-a',
      PARTNER_TOKEN: 'partner-token-1234',
    })
    // rotor's own credentials never reach the program, passEnv or not.
    expect(seen.env.AWS_SECRET_ACCESS_KEY).toBeUndefined()
    await issuer.check(issued.value)
    expect((await record('check')).env).toMatchObject({ROTOR_ACTION: 'check', ROTOR_CREDENTIAL_ID: 'acme-b', ROTOR_SECRET_VALUE: SECRET})
    await issuer.revoke('acme-b', 'delete')
    const revoke = await record('revoke')
    expect(revoke.env).toMatchObject({ROTOR_ACTION: 'revoke', ROTOR_CREDENTIAL_ID: 'acme-b'})
    expect(revoke.env.ROTOR_SECRET_VALUE).toBeUndefined()
  })

  it('refuses rotor credentials in passEnv at the schema', () => {
    const parsed = commandIssuerFactory.settings.safeParse({...base, passEnv: ['AWS_SECRET_ACCESS_KEY']})
    expect(parsed.success).toBe(false)
    expect(JSON.stringify(parsed.error?.issues)).toContain("rotor's own credentials")
  })

  it('check: 0 accepted, 1 refused (AuthError), anything else could not tell (UnavailableError)', async () => {
    await expect((await client({check: ['./prog.mjs', 'exit', '0']})).check(value('acme-a'))).resolves.toBeUndefined()
    expect(await failure((await client({check: ['./prog.mjs', 'exit', '1']})).check(value('acme-a')))).toBeInstanceOf(AuthError)
    expect(await failure((await client({check: ['./prog.mjs', 'exit', '3']})).check(value('acme-a')))).toBeInstanceOf(UnavailableError)
    // A value that is not one of this issuer's (no id/value fields) is refused without running anything.
    expect(await failure((await client()).check(new SecretValue(SECRET)))).toBeInstanceOf(AuthError)
  })

  it('accept and revoke: 75 is retryable, other failures are not', async () => {
    const temp = await failure((await client({accept: ['./prog.mjs', 'exit', '75']})).issue({rotationId: 'r', keep: [], secret: new SecretValue(SECRET)}))
    expect(temp).toBeInstanceOf(UnavailableError)
    expect((temp as RotorError).retryable).toBe(true)
    const refused = await failure((await client({revoke: ['./prog.mjs', 'exit', '2']})).revoke('acme-a', 'delete'))
    expect(refused).toBeInstanceOf(RotorError)
    expect((refused as RotorError).retryable).toBe(false)
    expect(refused?.message).toContain('exited with 2')
  })

  it('redacts the value in what a failing program printed', async () => {
    const error = await failure((await client({check: ['./prog.mjs', 'echo', '1']})).check(value('acme-a')))
    expect(error).toBeInstanceOf(AuthError)
    expect(error?.message).toContain('the service said: bad key [redacted]')
    expect(error?.message).not.toContain(SECRET)
    const accept = await failure((await client({accept: ['./prog.mjs', 'echo', '2']})).issue({rotationId: 'r', keep: [], secret: new SecretValue(SECRET)}))
    expect(accept?.message).toContain('[redacted]')
    expect(accept?.message).not.toContain(SECRET)
  })

  it('kills the whole process group when a program outlives its timeout', async () => {
    const issuer = await client({check: ['./prog.mjs', 'hang'], timeout: '1s'})
    const error = await failure(issuer.check(value('acme-a')))
    expect(error).toBeInstanceOf(UnavailableError)
    expect(error?.message).toContain('timed out')
    const grandchild = Number(await readFile(join(dir, 'grandchild.pid'), 'utf8'))
    expect(grandchild).toBeGreaterThan(0)
    // SIGKILL to the group is delivered before the program's close is reported; reaping may lag.
    for (let i = 0; i < 50 && processAlive(grandchild) && !(await isZombie(grandchild)); i++) await new Promise((r) => setTimeout(r, 100))
    expect(processAlive(grandchild) && !(await isZombie(grandchild))).toBe(false)
  })

  it('takes an id the accept program prints, and refuses one that would overwrite a kept credential', async () => {
    const printed = await (await client({accept: ['./prog.mjs', 'print', 'id=partner-key-77']})).issue({rotationId: 'r', keep: [], secret: new SecretValue(SECRET)})
    expect(printed.id).toBe('partner-key-77')
    expect(printed.value.fields()).toEqual({id: 'partner-key-77', value: SECRET})
    const clash = await failure((await client({accept: ['./prog.mjs', 'print', 'id=acme-a']})).issue({rotationId: 'r', keep: ['acme-a'], secret: new SecretValue(SECRET)}))
    expect(clash).toBeInstanceOf(ConflictError)
  })

  it('lists one id per line with an optional state, and refuses anything else', async () => {
    const listing = await client({list: ['./prog.mjs', 'print', 'acme-a\nacme-b inactive']})
    expect(listing.capabilities.lists).toBe(true)
    expect(await listing.list()).toEqual([
      {id: 'acme-a', state: 'active'},
      {id: 'acme-b', state: 'inactive'},
    ])
    expect(await failure((await client({list: ['./prog.mjs', 'print', 'acme-a is great']})).list())).toBeInstanceOf(InvalidRequestError)
    const none = await client()
    expect(none.capabilities.lists).toBe(false)
    expect(await none.list()).toEqual([])
  })

  it('names a program that cannot be run, in errors and in doctor', async () => {
    const missing = await client({accept: ['./no-such-program', 'x']})
    const error = await failure(missing.issue({rotationId: 'r', keep: [], secret: new SecretValue(SECRET)}))
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect(error?.message).toContain('partner accept (./no-such-program) could not be started: not found')
    const checks = await missing.doctor()
    expect(checks.find((c) => c.check.includes('accept'))).toMatchObject({ok: false})
    expect(checks.find((c) => c.check.includes('check'))).toMatchObject({ok: true})
  })
})

async function isZombie(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '')
  return stat === '' || / Z /.test(stat)
}
