/**
 * Safe to leave unattended (issue 12), through the built CLI without a terminal: usage errors
 * exit 64 with a suggestion, commands that change stores need --yes, --json keeps warnings and
 * errors as one document, interrupts stop cleanly, and every failure leaves through one formatter.
 */
import {spawn} from 'node:child_process'
import {existsSync} from 'node:fs'
import {copyFile, mkdir, mkdtemp, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {json, ROOT, runCli} from '../support/cli.js'

const NOW = '2026-03-02T10:00:00.000Z'
const SIGNAL_AT = new URL('./support/signal-at.mjs', import.meta.url).href

let dir: string
const cli = (args: string[], options: {env?: NodeJS.ProcessEnv; preload?: string[]} = {}) => runCli(args, {cwd: dir, now: NOW, ...options})
const auditLines = async () =>
  (await readFile(join(dir, '.rotor/audit.log'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as {action: string; outcome: string; reason?: string; secret: string})

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-unattended-'))
  await copyFile(join(ROOT, 'examples/quickstart.yaml'), join(dir, 'rotor.yaml'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe('usage errors exit 64 with a suggestion', () => {
  it('an unknown command, as text and under --json', async () => {
    const text = await cli(['aply'])
    expect(text.code).toBe(64)
    expect(text.stderr).toContain('unknown command "aply"; did you mean "apply"?')
    const asJson = await cli(['aply', '--json'])
    expect(asJson.code).toBe(64)
    expect(json<{error: {code: string; exitCode: number; hint: string}}>(asJson).error).toMatchObject({code: 'USAGE', exitCode: 64, hint: expect.stringContaining('rotor --help')})
  })

  it('help for an unknown command and an unknown subcommand', async () => {
    const help = await cli(['help', 'nosuch'])
    expect(help.code).toBe(64)
    expect(help.stderr).toContain('unknown command "nosuch"')
    const sub = await cli(['audit', 'verfy'])
    expect(sub.code).toBe(64)
    expect(sub.stderr).toContain('did you mean "audit verify"?')
    expect((await cli(['help', 'audit', 'verify'])).code).toBe(0)
  })

  it('an unknown flag and a bad flag value, also under --json', async () => {
    const flag = await cli(['apply', '--selct', 'x'])
    expect(flag.code).toBe(64)
    expect(flag.stderr).toContain('did you mean "--select"?')
    const value = await cli(['check', '--fail-on', 'sometimes', '--json'])
    expect(value.code).toBe(64)
    expect(json<{error: {code: string; exitCode: number}}>(value).error).toMatchObject({code: 'USAGE', exitCode: 64})
  })

  it('--select that matches nothing lists what exists', async () => {
    const result = await cli(['status', '--select', 'env:prod'])
    expect(result.code).toBe(64)
    expect(result.stderr).toContain('--select env:prod matches no secret')
    expect(result.stderr).toContain('env:production')
    expect(result.stderr).toContain('payments-api')
  })
})

describe('commands that change stores need --yes without a terminal', () => {
  it.each([['apply'], ['sync'], ['rotate', 'payments-api'], ['rollback', 'payments-api'], ['copy', '--from', 'local:payments/api-key', '--to', 'local:copy']])(
    '%s refuses (64) and changes nothing',
    async (...args) => {
      const result = await cli(args)
      expect(result.code, result.stderr).toBe(64)
      expect(result.stderr).toContain('pass --yes')
      expect(existsSync(join(dir, '.rotor/secrets.enc'))).toBe(false)
    },
  )

  it('--json without --yes refuses with a JSON error; --dry-run needs no --yes', async () => {
    const refused = await cli(['apply', '--json'])
    expect(refused.code).toBe(64)
    expect(json<{error: {code: string; message: string}}>(refused).error.message).toContain('needs --yes')
    const dry = await cli(['apply', '--dry-run', '--json'])
    expect(dry.code, dry.stderr).toBe(0)
    expect(existsSync(join(dir, '.rotor/secrets.enc'))).toBe(false)
    const done = await cli(['apply', '--yes', '--json'])
    expect(done.code, done.stderr).toBe(0)
    expect(existsSync(join(dir, '.rotor/secrets.enc'))).toBe(true)
  })
})

describe('--json is one document that keeps the warnings', () => {
  it('a failed notification is in `warnings` and on stderr', async () => {
    await writeFile(join(dir, 'rotor.yaml'), `${await readFile(join(dir, 'rotor.yaml'), 'utf8')}\nnotify:\n  - url: http://127.0.0.1:9/hook\n    format: json\n    events: [rotated]\n`)
    expect((await cli(['apply', '--yes'])).code).toBe(0)
    const rotate = await cli(['rotate', 'payments-api', '--yes', '--json'])
    expect(rotate.code, rotate.stderr).toBe(0)
    const doc = json<{warnings: string[]; report: unknown}>(rotate)
    expect(doc.report).toBeDefined()
    expect(doc.warnings).toEqual([expect.stringContaining('notification "rotated" for payments-api')])
    expect(rotate.stderr).toContain('Warning: notification "rotated" for payments-api')
  })

  it('a successful document has an empty `warnings`; an error is {error: {code, message, hint, exitCode}} with that exit code', async () => {
    expect(json<{warnings: string[]}>(await cli(['status', '--json'])).warnings).toEqual([])
    await rm(join(dir, 'rotor.yaml'))
    const missing = await cli(['status', '--json'])
    expect(missing.code).toBe(65)
    expect(json<{error: Record<string, unknown>}>(missing).error).toMatchObject({code: 'CONFIG_INVALID', message: expect.stringContaining('config file not found'), exitCode: 65})
  })
})

/** Runs the CLI at a pseudo-terminal (util-linux `script`), answering `keys` once the prompt shows. */
function atTerminal(args: string[], keys: string): Promise<{code: number; output: string}> {
  const command = [process.execPath, join(ROOT, 'bin/run.js'), ...args].map((a) => `'${a}'`).join(' ')
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], {cwd: dir, env: {...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: join(dir, '.user-config'), ROTOR_TEST_NOW: NOW, NODE_OPTIONS: `--import=${new URL('../support/fake-clock.mjs', import.meta.url).href}`}})
    let output = ''
    let answered = false
    child.stdout.on('data', (d) => {
      output += d
      if (!answered && output.includes('[y/N]')) {
        answered = true
        child.stdin.write(keys)
      }
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({code: code ?? 1, output}))
  })
}

const hasScript = existsSync('/usr/bin/script')

describe.runIf(hasScript)('at a terminal', () => {
  it.each([
    ['n', 'n\r'],
    ['Ctrl-C', '\u0003'],
  ])('answering %s at the prompt exits 130, says nothing changed, and changes nothing', async (_name, keys) => {
    const run = await atTerminal(['apply'], keys)
    expect(run.output).toContain('Cancelled; nothing was changed.')
    expect(run.code, run.output).toBe(130)
    expect(existsSync(join(dir, '.rotor/secrets.enc'))).toBe(false)
  })
})

describe('interrupts', () => {
  it('SIGINT during apply: exit 130, lock released, audited, and the next run converges', async () => {
    const run = await cli(['apply', '--yes'], {preload: [SIGNAL_AT], env: {ROTOR_SIGNAL_AT: '1'}})
    expect(run.code, run.stderr).toBe(130)
    expect(run.stderr).toContain('rotor apply was interrupted by SIGINT')
    expect(run.stderr).toContain('the next run finishes')
    expect(run.stderr).not.toContain('    at ')
    expect(existsSync(join(dir, '.rotor/run.lock'))).toBe(false)
    expect(await auditLines()).toContainEqual(expect.objectContaining({action: 'interrupted', outcome: 'failed', reason: 'SIGINT'}))
    const pending = await cli(['plan', '--detailed-exitcode'])
    expect(pending.code, pending.stdout).toBe(2)

    const next = await cli(['apply', '--yes'])
    expect(next.code, next.stderr).toBe(0)
    const settled = await cli(['plan', '--detailed-exitcode'])
    expect(settled.code, settled.stdout).toBe(0)
  })

  it('SIGTERM exits 143, and under --json the error is JSON', async () => {
    const run = await cli(['apply', '--yes', '--json'], {preload: [SIGNAL_AT], env: {ROTOR_SIGNAL_AT: '1', ROTOR_SIGNAL: 'SIGTERM'}})
    expect(run.code, run.stderr).toBe(143)
    expect(json<{error: {code: string; exitCode: number}}>(run).error).toMatchObject({code: 'INTERRUPTED', exitCode: 143})
    expect(existsSync(join(dir, '.rotor/run.lock'))).toBe(false)
  })

  it('SIGINT while a rotation holds the lease gives the lease back: the next run takes no lease over', async () => {
    expect((await cli(['apply', '--yes'])).code).toBe(0)
    const run = await cli(['rotate', 'payments-api', '--yes'], {preload: [SIGNAL_AT], env: {ROTOR_SIGNAL_AT: '1'}})
    expect(run.code, run.stderr).toBe(130)
    const before = (await auditLines()).length
    const next = await cli(['rotate', 'payments-api', '--yes'])
    expect(next.code, next.stderr).toBe(0)
    const after = (await auditLines()).slice(before)
    expect(after.filter((e) => e.action === 'promote' && e.outcome === 'ok').length).toBeGreaterThan(0)
    expect(after.map((e) => e.action)).not.toContain('lease-takeover')
  })

  it('a second signal exits at once with the same code', async () => {
    const run = await cli(['apply', '--yes'], {preload: [SIGNAL_AT], env: {ROTOR_SIGNAL_AT: '1', ROTOR_SIGNAL_TWICE: '1'}})
    expect(run.code).toBe(130)
    expect(run.stderr).not.toContain('rotor apply was interrupted by SIGINT')
    expect((await cli(['apply', '--yes'])).code).toBe(0)
  })
})

describe('one error path', () => {
  it('an unhandled rejection prints one Error line and a hint, exit 1, no stack unless DEBUG=rotor', async () => {
    const preload = new URL('./support/reject-at-checkpoint.mjs', import.meta.url).href
    const run = await cli(['apply', '--yes'], {preload: [preload]})
    expect(run.code).toBe(1)
    expect(run.stderr).toContain('Error: boom from a hook')
    expect(run.stderr).toContain('Hint: ')
    expect(run.stderr).not.toContain('    at ')
    await rm(join(dir, '.rotor'), {recursive: true, force: true})
    const debug = await cli(['apply', '--yes'], {preload: [preload], env: {DEBUG: 'rotor'}})
    expect(debug.code).toBe(1)
    expect(debug.stderr).toContain('    at ')
  })

  it('GCP without Application Default Credentials: the secret is blocked with a hint, no crash', async () => {
    const home = join(dir, 'empty-home')
    await mkdir(home)
    await writeFile(join(dir, 'rotor.yaml'), 'version: 1\naudit:\n  path: .rotor/audit.log\nstores:\n  g:\n    type: gcp\n    project: my-proj\nsecrets:\n  api:\n    generator: {length: 32}\n    maxAge: 30d\n    targets:\n      - g:api\n')
    // No metadata-server probe: the run must not depend on the network.
    const env = {HOME: home, GOOGLE_APPLICATION_CREDENTIALS: '', METADATA_SERVER_DETECTION: 'none', CLOUDSDK_CONFIG: join(home, 'gcloud')}
    const run = await cli(['apply', '--yes'], {env})
    expect(run.stdout).toContain('no Google credentials found')
    expect(run.code, run.stderr).toBe(3)
    expect(run.stderr).not.toContain('Error:')
  })

  it('file-system errors on the config, the store and the audit log name the path and give a hint', async () => {
    await mkdir(join(dir, 'a-folder'))
    const config = await cli(['status', '--config', 'a-folder'])
    expect(config.code).toBe(65)
    expect(config.stderr).toContain('cannot read the config file: it is a directory')
    expect(config.stderr).toContain('Hint: ')
    expect(config.stderr).not.toContain('EISDIR')

    expect((await cli(['apply', '--yes'])).code).toBe(0)
    await rename(join(dir, '.rotor/secrets.enc'), join(dir, 'kept.enc'))
    await mkdir(join(dir, '.rotor/secrets.enc'))
    const store = await cli(['apply', '--yes'])
    expect(store.code).not.toBe(0)
    expect(store.stdout + store.stderr).toContain(`${join(dir, '.rotor/secrets.enc')}: it is a directory`)
    expect(store.stdout + store.stderr).not.toContain('EISDIR')
    await rm(join(dir, '.rotor/secrets.enc'), {recursive: true})
    await rename(join(dir, 'kept.enc'), join(dir, '.rotor/secrets.enc'))

    await rename(join(dir, '.rotor/audit.log'), join(dir, 'kept.log'))
    await mkdir(join(dir, '.rotor/audit.log'))
    const audit = await cli(['rotate', 'payments-api', '--yes'])
    expect(audit.code).toBe(1)
    expect(audit.stderr).toContain(`cannot read the audit log ${join(dir, '.rotor/audit.log')}: it is a directory`)
    expect(audit.stderr).toContain('Hint: ')
  })
})
