import {mkdir, mkdtemp, readFile, rm, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {ExitCode as EXIT} from '../../src/exit-codes.js'
import {json, runCli} from '../support/cli.js'

/**
 * Issue 17: a lock file without an owner (created by hand, or by an older rotor killed between
 * creating and filling it) used to block every later `apply` with exit 5 for six hours, silently.
 */
const flat = (text: string) => text.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')

describe('an empty run.lock (built CLI)', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-stale-lock-'))
    expect((await runCli(['init'], {cwd: dir})).code).toBe(0)
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  async function emptyLock(name: string, ageMs: number): Promise<string> {
    const path = join(dir, '.rotor', name)
    await mkdir(join(dir, '.rotor'), {recursive: true})
    await writeFile(path, '')
    const then = new Date(Date.now() - ageMs)
    await utimes(path, then, then)
    return path
  }

  it('no longer blocks apply once it is a few seconds old: taken over with a warning and an audit line', async () => {
    await emptyLock('run.lock', 60_000)
    const run = await runCli(['apply', '--yes'], {cwd: dir})
    expect(run.code, run.stderr).toBe(EXIT.OK)
    // oclif wraps warnings at a terminal width: compare the words.
    expect(flat(run.stderr)).toMatch(/took over rotor run for .*rotor\.yaml from an owner the lock file does not name \(empty or unreadable, \d+s old\)/)
    const audit = (await readFile(join(dir, '.rotor/audit.log'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l))
    expect(audit.some((e) => e.action === 'run-lock' && /took over/.test(e.reason))).toBe(true)
    // Released afterwards: the next run has nothing to do and is not blocked.
    const again = await runCli(['apply', '--yes', '--json'], {cwd: dir})
    expect(again.code, again.stderr).toBe(EXIT.OK)
    expect(json(again)).toMatchObject({plan: {actions: []}})
    expect(again.stderr).not.toContain('took over')
  })

  it('empty store and audit locks do not block either', async () => {
    await emptyLock('secrets.enc.lock', 60_000)
    await emptyLock('audit.log.lock', 60_000)
    // Without --json: the CLI's warnings under --json are another change's business (issue 12).
    const run = await runCli(['apply', '--yes'], {cwd: dir})
    expect(run.code, run.stderr).toBe(EXIT.OK)
    expect(flat(run.stderr)).toContain('took over file store')
    expect(flat(run.stderr)).toContain('took over audit log')
  })

  it('a fresh empty run.lock (maybe being written right now) still stops the run with exit 5', async () => {
    await emptyLock('run.lock', 0)
    const run = await runCli(['apply', '--yes'], {cwd: dir})
    expect(run.code).toBe(EXIT.LOCKED)
    expect(run.stderr).toContain('held by another rotor process')
  })
})
