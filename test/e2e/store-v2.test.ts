/**
 * Issue 14, item 2: the embedded store v2 (SQLite) through the built CLI: migration from a v1
 * file, rollback refused and accepted, a writer stopped while it holds the write lock, and what
 * the database files reveal.
 */
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {copyFile, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {seal} from '../../providers/file/crypto.js'
import {json, ROOT, runCli} from '../support/cli.js'

const STOP_IN_WRITE = new URL('./support/stop-in-write.mjs', import.meta.url).href
const SQLITE = 'SQLite format 3\u0000'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-store-v2-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

const store = () => join(dir, '.rotor/secrets.enc')
const run = (args: string[], env: NodeJS.ProcessEnv = {}, cwd = dir) => runCli(args, {cwd, env})
const config = (secrets: string[], path = '.rotor/secrets.enc') =>
  `version: 1\nstores:\n  local:\n    type: file\n    path: ${path}\nsecrets:\n${secrets.map((s) => `  ${s}:\n    targets: [local:${s}]\n    maxAge: 30d\n`).join('')}`
const auditEntries = async (cwd = dir) =>
  (await readFile(join(cwd, '.rotor/audit.log'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
/** The CLI's environment as runCli builds it: keys under the test's folder, not the test process's ROTOR_HOME. */
function withoutRotorHome(): NodeJS.ProcessEnv {
  const env = {...process.env}
  delete env.ROTOR_HOME
  delete env.ROTOR_CONFIG
  delete env.ROTOR_FILE_KEY
  return env
}
const flat = (text: string) => text.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')

/** A v1 store file as rotor 0.x wrote it: one secret, two versions, meta, sealed with `key`. */
function v1Store(key: Buffer): string {
  const version = (id: string, role: string, value: string, rotationId: string) => ({id, createdAt: '2026-01-01T00:00:00.000Z', role, enabled: true, destroyed: false, rotationId, value})
  return seal(
    JSON.stringify({
      format: 1,
      secrets: {
        api: {
          labels: {'managed-by': 'rotor'},
          meta: {promotedAt: '2026-01-01T00:00:00.000Z', promotedVersion: '2'},
          versions: [version('1', 'previous', 'v1-old-value-aaaa', 'rot-1'), version('2', 'current', 'v1-current-value-bbbb', 'rot-2')],
          nextVersion: 3,
        },
      },
    }),
    key,
  )
}

describe('migration from a v1 store file', () => {
  for (const keyFrom of ['key file', 'ROTOR_FILE_KEY'] as const) {
    it(`doctor explains it; the first command migrates it in one audited step and keeps the v1 file (key from the ${keyFrom})`, async () => {
      const key = randomBytes(32)
      await mkdir(join(dir, '.rotor'), {mode: 0o700})
      await writeFile(join(dir, 'rotor.yaml'), config(['api']))
      const env = keyFrom === 'ROTOR_FILE_KEY' ? {ROTOR_FILE_KEY: key.toString('base64')} : {}
      if (keyFrom === 'key file') await writeFile(join(dir, '.rotor/file.key'), `${key.toString('base64')}\n`, {mode: 0o600})
      const v1 = v1Store(key)
      await writeFile(store(), v1, {mode: 0o600})

      const doctor = await run(['doctor'], env)
      expect(doctor.code, doctor.stderr).toBe(0)
      expect(flat(doctor.stdout)).toContain(`${store()} is a v1 store (one encrypted JSON file). The next rotor command that opens it`)
      expect(flat(doctor.stdout)).toContain(`keeps the v1 file as ${store()}.v1.bak`)
      expect(await readFile(store(), 'utf8')).toBe(v1)
      expect(existsSync(`${store()}.v1.bak`)).toBe(false)

      const get = await run(['get', 'api', '--reveal'], env)
      expect(get.code, get.stderr).toBe(0)
      expect(get.stdout.trim()).toBe('v1-current-value-bbbb')
      expect(flat(get.stderr)).toContain(`migrated file store local (${store()}) from a v1 file to the v2 database (1 secrets, same key); the v1 file is kept as ${store()}.v1.bak`)
      expect((await readFile(store())).subarray(0, 16).toString('latin1')).toBe(SQLITE)
      expect(await readFile(`${store()}.v1.bak`, 'utf8')).toBe(v1)
      const migrate = (await auditEntries()).filter((e) => e.action === 'migrate')
      expect(migrate).toMatchObject([
        {secret: '*', target: 'local:*', outcome: 'intent'},
        {secret: '*', target: 'local:*', outcome: 'ok', intent: migrate[0].seq},
      ])

      // Everything came along: versions, roles, meta; and a second command migrates nothing.
      const status = await run(['status', '--json'], env)
      expect(status.code, status.stderr).toBe(0)
      expect(status.stderr).not.toContain('migrated')
      const previous = await run(['get', 'api', '--reveal', '--role', 'previous'], env)
      expect(previous.code, previous.stderr).toBe(0)
      expect(previous.stdout.trim()).toBe('v1-old-value-aaaa')
      const doctorAfter = await run(['doctor'], env)
      expect(flat(doctorAfter.stdout)).toMatch(/v2 database \(SQLite\), generation 1, migrated from a v1 file on .* \(kept as .*secrets\.enc\.v1\.bak\)/)
      expect((await auditEntries()).filter((e) => e.action === 'migrate')).toHaveLength(2)
      const rotate = await run(['rotate', 'api', '--yes'], env)
      expect(rotate.code, rotate.stderr).toBe(0)
      expect((await run(['get', 'api', '--reveal'], env)).stdout.trim()).not.toBe('v1-current-value-bbbb')
    })
  }
})

describe('rollback detection', () => {
  it('refuses an older copy of the database put back, changes nothing, and opens it after an audited accept-rollback', async () => {
    await writeFile(join(dir, 'rotor.yaml'), config(['api', 'db']))
    expect((await run(['apply', '--yes'])).code).toBe(0)
    const before = (await run(['get', 'api', '--reveal'])).stdout.trim()
    // A backup taken now (the store is closed: no WAL beside it).
    expect(existsSync(`${store()}-wal`)).toBe(false)
    await copyFile(store(), join(dir, 'backup.db'))
    const rotate = await run(['rotate', 'api', '--yes'])
    expect(rotate.code, rotate.stderr).toBe(0)
    const after = (await run(['get', 'api', '--reveal'])).stdout.trim()
    expect(after).not.toBe(before)

    await copyFile(join(dir, 'backup.db'), store())
    const restored = await readFile(store())
    for (const args of [['get', 'api', '--reveal'], ['apply', '--yes', '--json'], ['status', '--json']]) {
      const refused = await run(args)
      expect(refused.code, args.join(' ')).not.toBe(0)
      expect(refused.stdout, args.join(' ')).not.toContain(before)
      expect(flat(refused.stdout + refused.stderr), args.join(' ')).toContain('is older than the last state seen of it: generation')
      expect(flat(refused.stdout + refused.stderr), args.join(' ')).toContain('rotor store accept-rollback local')
      expect(await readFile(store()), `${args.join(' ')} changed the store`).toEqual(restored)
    }
    const get = await run(['get', 'api', '--json'])
    expect(get.code).toBe(1)
    expect(json<{error: {code: string; hint: string}}>(get).error).toMatchObject({code: 'STORE_ROLLBACK', hint: expect.stringContaining('accept-rollback')})

    expect((await run(['store', 'accept-rollback'])).code).toBe(64)
    const accept = await run(['store', 'accept-rollback', 'local', '--yes'])
    expect(accept.code, accept.stderr).toBe(0)
    expect(accept.stdout).toMatch(/accepted file store local at generation \d+ \(\d+ had been seen\)/)
    expect((await auditEntries()).filter((e) => e.action === 'accept-rollback')).toMatchObject([
      {target: 'local:*', outcome: 'intent'},
      {target: 'local:*', outcome: 'ok', reason: expect.stringMatching(/^generation \d+ accepted; \d+ was seen$/)},
    ])
    expect((await run(['get', 'api', '--reveal'])).stdout.trim()).toBe(before)
    const again = await run(['store', 'accept-rollback', '--yes'])
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('nothing to accept')
  }, 180_000)
})

describe('a writer stopped while it holds the write lock', () => {
  it('is waited for, never broken: no update is lost, and a writer that gives up says why and changes nothing', async () => {
    const shared = join(dir, 'shared.db')
    const sub = async (name: string, secrets: string[]) => {
      await mkdir(join(dir, name))
      await writeFile(join(dir, name, 'rotor.yaml'), config(secrets, '../shared.db'))
      return join(dir, name)
    }
    const a = await sub('a', ['api'])
    const b = await sub('b', ['from-b'])
    const c = await sub('c', ['from-c'])
    const key = randomBytes(32).toString('base64')
    expect((await run(['apply', '--yes'], {ROTOR_FILE_KEY: key}, a)).code).toBe(0)
    const value = (await run(['get', 'api', '--reveal'], {ROTOR_FILE_KEY: key}, a)).stdout.trim()

    // A rotates `api` and stops inside its first write transaction.
    const stopMarker = join(dir, 'a.stopped')
    const writer = spawn(process.execPath, [join(ROOT, 'bin/run.js'), 'rotate', 'api', '--yes'], {
      cwd: a,
      env: {...withoutRotorHome(), ROTOR_FILE_KEY: key, XDG_CONFIG_HOME: join(a, '.user-config'), ROTOR_TEST_STOP_MARKER: stopMarker, NODE_OPTIONS: `--import=${STOP_IN_WRITE}`},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let writerErr = ''
    writer.stderr.on('data', (d) => (writerErr += d))
    const writerDone = new Promise<number | null>((resolve) => writer.on('close', (code) => resolve(code)))
    let writerExited = false
    void writerDone.then(() => (writerExited = true))
    while (!existsSync(stopMarker) && !writerExited) await new Promise((resolve) => setTimeout(resolve, 50))
    expect(writerExited, writerErr).toBe(false)

    try {
      // B gives up after its wait (1.5 s here; 30 s by default) while A is still stopped.
      const gaveUp = await run(['apply', '--yes'], {ROTOR_FILE_KEY: key, ROTOR_FILE_STORE_BUSY_MS: '1500'}, b)
      expect(gaveUp.code).not.toBe(0)
      expect(flat(gaveUp.stdout + gaveUp.stderr)).toContain(`file store local (${shared}) is busy: another process has held its write lock`)
      expect(flat(gaveUp.stdout + gaveUp.stderr)).toContain('it was not broken, so no update is lost')

      // C waits (the default); A is resumed while C waits.
      const waitMarker = join(dir, 'c.waiting')
      const waiting = runCli(['apply', '--yes'], {cwd: c, env: {ROTOR_FILE_KEY: key, ROTOR_TEST_WAIT_MARKER: waitMarker}, preload: [STOP_IN_WRITE]})
      let exited = false
      void waiting.then(() => (exited = true))
      while (!existsSync(waitMarker) && !exited) await new Promise((resolve) => setTimeout(resolve, 50))
      await new Promise((resolve) => setTimeout(resolve, 300))
      process.kill(writer.pid!, 'SIGCONT')
      const waited = await waiting
      expect(waited.code, waited.stderr).toBe(0)
    } finally {
      process.kill(writer.pid!, 'SIGCONT')
    }
    expect(await writerDone, writerErr).toBe(0)

    // A's rotation, C's secret, and nothing of B's.
    const rotated = await run(['get', 'api', '--reveal'], {ROTOR_FILE_KEY: key}, a)
    expect(rotated.stdout.trim()).not.toBe(value)
    expect((await run(['get', 'from-c', '--reveal'], {ROTOR_FILE_KEY: key}, c)).code).toBe(0)
    expect((await run(['get', 'from-b'], {ROTOR_FILE_KEY: key}, b)).code).not.toBe(0)
    const status = json<{secrets: Array<{name: string}>}>(await run(['status', '--json'], {ROTOR_FILE_KEY: key}, a))
    expect(status.secrets.map((s) => s.name)).toEqual(['api'])
    // B runs again and succeeds.
    expect((await run(['apply', '--yes'], {ROTOR_FILE_KEY: key}, b)).code).toBe(0)
  }, 300_000)
})

describe('what the database files reveal', () => {
  it('no secret name, value, label or meta in the database, its WAL or its shared memory', async () => {
    const names = ['payments-api-key', 'billing-db-password', 'stripe-webhook-secret']
    await writeFile(join(dir, 'rotor.yaml'), config(names))
    expect((await run(['apply', '--yes'])).code).toBe(0)
    const values = await Promise.all(names.map(async (n) => (await run(['get', n, '--reveal'])).stdout.trim()))
    for (const v of values) expect(v.length).toBeGreaterThan(10)
    const files = [store(), `${store()}-wal`, `${store()}-shm`].filter((f) => existsSync(f))
    const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(f))))
    expect(bytes.subarray(0, 16).toString('latin1')).toBe(SQLITE)
    for (const marker of [...names, ...values, 'managed-by', 'promotedAt', 'auditHead']) {
      expect(bytes.includes(Buffer.from(marker)), marker).toBe(false)
    }
  })
})
