import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {access, mkdir, mkdtemp, readdir, readFile, rm, stat, unlink, utimes, writeFile} from 'node:fs/promises'
import {hostname, tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {LockedError} from '../../../src/errors/index.js'
import {acquireLockFile, createOwned, LOCK_STALE_MS, UNREADABLE_STALE_MS, withLockFile} from '../../../src/util/lock-file.js'
import {transpileClosure} from '../audit/helpers.js'

let dir: string
let lockPath: string

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-lock-'))
  lockPath = join(dir, 'thing.lock')
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))

function run(cmd: string, args: string[]): Promise<{code: number | null; pid: number; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, pid: child.pid as number, stderr}))
  })
}

/** The pid of a process that has already exited. */
async function deadPid(): Promise<number> {
  return (await run(process.execPath, ['-e', ''])).pid
}

async function writeLock(info: Record<string, unknown>) {
  await writeFile(lockPath, JSON.stringify({host: hostname(), token: randomUUID(), time: new Date().toISOString(), ...info}))
}

async function age(path: string, ms: number) {
  const then = new Date(Date.now() - ms)
  await utimes(path, then, then)
}

describe('acquireLockFile', () => {
  it('creates a private lock file naming its owner and removes it on release', async () => {
    const release = await acquireLockFile(lockPath)
    const info = JSON.parse(await readFile(lockPath, 'utf8'))
    expect(info).toMatchObject({pid: process.pid, host: hostname()})
    expect(info.token).toMatch(/^[0-9a-f-]{36}$/)
    expect(Math.abs(Date.parse(info.time) - Date.now())).toBeLessThan(5_000)
    if (process.platform !== 'win32') expect((await stat(lockPath)).mode & 0o777).toBe(0o600)
    await release()
    expect(await exists(lockPath)).toBe(false)
  })

  it('release is idempotent and tolerates a lock that is already gone', async () => {
    const release = await acquireLockFile(lockPath)
    await unlink(lockPath)
    await release()
    await release()
    expect(await exists(lockPath)).toBe(false)
  })

  it('release leaves alone a lock that is no longer ours', async () => {
    const release = await acquireLockFile(lockPath)
    // As if ours had been broken as stale and another process had taken the lock since.
    await writeLock({pid: process.pid})
    const theirs = await readFile(lockPath, 'utf8')
    await release()
    expect(await readFile(lockPath, 'utf8')).toBe(theirs)
  })

  it('waits for a live lock and fails with LockedError after waitMs', async () => {
    await writeLock({pid: process.pid})
    const started = Date.now()
    const err = await acquireLockFile(lockPath, {waitMs: 300, what: 'the test store'}).catch((e: unknown) => e)
    const waited = Date.now() - started
    expect(err).toBeInstanceOf(LockedError)
    const locked = err as LockedError
    expect(locked.code).toBe('LOCKED')
    expect(locked.ref).toBe(lockPath)
    expect(locked.message).toContain('the test store')
    expect(locked.message).toContain(`pid ${process.pid} on ${hostname()}`)
    expect(locked.hint).toContain(lockPath)
    expect(waited).toBeGreaterThanOrEqual(250)
    expect(waited).toBeLessThan(2_000)
    expect(await exists(lockPath)).toBe(true)
  })

  it('with waitMs 0 tries once and fails at once', async () => {
    await writeLock({pid: process.pid})
    const started = Date.now()
    await expect(acquireLockFile(lockPath, {waitMs: 0})).rejects.toBeInstanceOf(LockedError)
    expect(Date.now() - started).toBeLessThan(200)
  })

  it('proceeds as soon as a live lock is released', async () => {
    await writeLock({pid: process.pid})
    let acquired = false
    const pending = acquireLockFile(lockPath, {waitMs: 5_000}).then((release) => {
      acquired = true
      return release
    })
    await delay(100)
    expect(acquired).toBe(false)
    await writeFile(lockPath, '') // unparsable and fresh: being written, so still held
    await delay(100)
    expect(acquired).toBe(false)
    const released = Date.now()
    await unlink(lockPath)
    const release = await pending
    expect(Date.now() - released).toBeLessThan(500)
    await release()
  })
})

describe('stale locks', () => {
  it('breaks a lock left by a dead process on this host', async () => {
    await writeLock({pid: await deadPid()})
    const release = await acquireLockFile(lockPath, {waitMs: 2_000})
    expect(JSON.parse(await readFile(lockPath, 'utf8')).pid).toBe(process.pid)
    await release()
    expect(await exists(`${lockPath}.break`)).toBe(false)
  })

  it('treats a lock with an impossible pid as dead', async () => {
    // process.kill(0 or a negative pid) would address a process group: never use it as an owner.
    await writeLock({pid: 0})
    const release = await acquireLockFile(lockPath, {waitMs: 2_000})
    await release()
  })

  it(`breaks a lock older than LOCK_STALE_MS (${LOCK_STALE_MS} ms) even if its process is alive`, async () => {
    await writeLock({pid: process.pid, time: new Date(Date.now() - LOCK_STALE_MS - 1_000).toISOString()})
    const release = await acquireLockFile(lockPath, {waitMs: 2_000})
    await release()
  })

  it('honours staleMs', async () => {
    await writeLock({pid: process.pid, time: new Date(Date.now() - 2_000).toISOString()})
    await expect(acquireLockFile(lockPath, {waitMs: 100})).rejects.toBeInstanceOf(LockedError)
    const release = await acquireLockFile(lockPath, {waitMs: 100, staleMs: 1_000})
    await release()
  })

  it('judges an unparsable lock by its mtime', async () => {
    await writeFile(lockPath, '{"pid": 12')
    await expect(acquireLockFile(lockPath, {waitMs: 100})).rejects.toBeInstanceOf(LockedError)
    await age(lockPath, LOCK_STALE_MS + 1_000)
    const release = await acquireLockFile(lockPath, {waitMs: 100})
    await release()
  })

  it('reads locks written by older versions (epoch-ms time, no token)', async () => {
    const pid = await deadPid()
    await writeFile(lockPath, JSON.stringify({pid, host: hostname(), time: Date.now()}))
    const release = await acquireLockFile(lockPath, {waitMs: 2_000})
    await release()
    await writeFile(lockPath, JSON.stringify({pid: process.pid, host: hostname(), time: Date.now()}))
    const err = await acquireLockFile(lockPath, {waitMs: 0}).catch((e: unknown) => e)
    expect((err as LockedError).message).toContain(`pid ${process.pid}`)
  })

  it('does not judge a fresh lock from another host by its pid', async () => {
    await writeLock({pid: await deadPid(), host: `not-${hostname()}`})
    await expect(acquireLockFile(lockPath, {waitMs: 200})).rejects.toBeInstanceOf(LockedError)
    expect(await exists(lockPath)).toBe(true)
  })

  it('breaks an old lock from another host', async () => {
    await writeLock({pid: 1, host: `not-${hostname()}`, time: new Date(Date.now() - LOCK_STALE_MS - 1_000).toISOString()})
    const release = await acquireLockFile(lockPath, {waitMs: 2_000})
    await release()
  })

  it('does not break a stale lock while another process holds the .break guard', async () => {
    await writeLock({pid: await deadPid()})
    await writeFile(`${lockPath}.break`, '')
    await expect(acquireLockFile(lockPath, {waitMs: 200})).rejects.toBeInstanceOf(LockedError)
    expect(await exists(lockPath)).toBe(true)
  })

  it('removes a .break guard left by a crash and then breaks the stale lock', async () => {
    await writeLock({pid: await deadPid()})
    await writeFile(`${lockPath}.break`, '')
    await age(`${lockPath}.break`, LOCK_STALE_MS + 1_000)
    const release = await acquireLockFile(lockPath, {waitMs: 2_000})
    expect(await exists(`${lockPath}.break`)).toBe(false)
    await release()
  })
})

describe('withLockFile', () => {
  it('returns the result and releases the lock', async () => {
    await expect(withLockFile(lockPath, async () => 42)).resolves.toBe(42)
    expect(await exists(lockPath)).toBe(false)
  })

  it('releases the lock when fn throws', async () => {
    await expect(
      withLockFile(lockPath, async () => {
        throw new Error('boom')
      }),
    ).rejects.toThrow('boom')
    expect(await exists(lockPath)).toBe(false)
  })

  it('serialises concurrent holders, also when they start by breaking a stale lock', async () => {
    await writeLock({pid: await deadPid()})
    let inside = 0
    let most = 0
    let done = 0
    await Promise.all(
      Array.from({length: 20}, () =>
        withLockFile(
          lockPath,
          async () => {
            inside++
            most = Math.max(most, inside)
            await delay(2)
            inside--
            done++
          },
          {waitMs: 10_000},
        ),
      ),
    )
    expect(most).toBe(1)
    expect(done).toBe(20)
    expect(await exists(lockPath)).toBe(false)
  })

  it('excludes other processes: no lost updates, starting from a stale lock', async () => {
    const out = join(dir, 'build')
    await mkdir(out)
    const mod = await transpileClosure('src/util/lock-file.ts', out)
    const counter = join(dir, 'counter')
    await writeFile(counter, '0')
    await writeLock({pid: await deadPid()})
    const script = join(out, 'worker.mjs')
    await writeFile(
      script,
      `import {readFile, writeFile} from 'node:fs/promises'\n` +
        `import {withLockFile} from ${JSON.stringify(mod)}\n` +
        'const [lock, counter, n] = process.argv.slice(2)\n' +
        'for (let i = 0; i < Number(n); i++) {\n' +
        '  await withLockFile(lock, async () => {\n' +
        "    const value = Number(await readFile(counter, 'utf8'))\n" +
        '    await new Promise((r) => setImmediate(r))\n' +
        '    await writeFile(counter, String(value + 1))\n' +
        '  }, {waitMs: 30000})\n' +
        '}\n',
    )
    const results = await Promise.all(Array.from({length: 4}, () => run(process.execPath, [script, lockPath, counter, '25'])))
    for (const r of results) expect(r, r.stderr).toMatchObject({code: 0})
    expect(await readFile(counter, 'utf8')).toBe('100')
    expect(await exists(lockPath)).toBe(false)
    expect(await exists(`${lockPath}.break`)).toBe(false)
  })
})

describe('locks that always name their owner (issue 17)', () => {
  it('createOwned links a complete owner record into place and fails when the lock exists', async () => {
    const token = randomUUID()
    expect(await createOwned(lockPath, token)).toBe(true)
    const info = JSON.parse(await readFile(lockPath, 'utf8'))
    expect(info).toMatchObject({pid: process.pid, host: hostname(), token})
    expect(await createOwned(lockPath, randomUUID())).toBe(false)
    // The lock was not replaced, and no temp file is left behind either way.
    expect(JSON.parse(await readFile(lockPath, 'utf8')).token).toBe(token)
    expect(await readdir(dir)).toEqual(['thing.lock'])
  })

  it('a creator killed at any moment leaves no lock, or a lock that names it', async () => {
    const out = join(dir, 'build')
    await mkdir(out)
    const mod = await transpileClosure('src/util/lock-file.ts', out)
    const script = join(out, 'creator.mjs')
    await writeFile(
      script,
      `import {unlink} from 'node:fs/promises'\n` +
        `import {createOwned} from ${JSON.stringify(mod)}\n` +
        'const lock = process.argv[2]\n' +
        "process.stdout.write('ready\\n')\n" +
        'for (;;) {\n' +
        "  if (await createOwned(lock, crypto.randomUUID())) await unlink(lock)\n" +
        '}\n',
    )
    for (let round = 0; round < 12; round++) {
      const child = spawn(process.execPath, [script, lockPath], {stdio: ['ignore', 'pipe', 'inherit']})
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
      // Let it loop a varying while, then kill it wherever it is.
      await delay(5 + round * 7)
      child.kill('SIGKILL')
      await new Promise((resolve) => child.on('close', resolve))
      // Killed anywhere, the creator leaves either no lock or a whole one naming it: never an
      // empty or half-written lock that a later run could not attribute.
      const left = (await exists(lockPath)) ? await readFile(lockPath, 'utf8') : undefined
      const state = left === undefined ? 'none' : JSON.stringify(JSON.parse(left).pid === child.pid && JSON.parse(left).host === hostname())
      expect(['none', 'true'], `round ${round}: lock holds ${JSON.stringify(left)}`).toContain(state)
      if (left !== undefined) await unlink(lockPath)
    }
  })

  it('waits on a fresh empty lock (it may be an older rotor filling it) and fails without taking it', async () => {
    await writeFile(lockPath, '')
    await expect(acquireLockFile(lockPath, {waitMs: 0, warn: () => undefined})).rejects.toBeInstanceOf(LockedError)
    expect(await exists(lockPath)).toBe(true)
  })

  it(`takes over an empty lock once its file is older than UNREADABLE_STALE_MS (${UNREADABLE_STALE_MS} ms), and says so`, async () => {
    await writeFile(lockPath, '')
    await age(lockPath, UNREADABLE_STALE_MS + 1_000)
    const warnings: string[] = []
    const release = await acquireLockFile(lockPath, {waitMs: 0, staleMs: 6 * 3_600_000, what: 'the run lock', warn: (m) => warnings.push(m)})
    expect(JSON.parse(await readFile(lockPath, 'utf8')).pid).toBe(process.pid)
    await release()
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(/^took over the run lock from an owner the lock file does not name \(empty or unreadable, \d+s old\)/)
  })

  it('takes over a dead owner\'s lock at once on this host, and says so', async () => {
    const pid = await deadPid()
    await writeLock({pid})
    const warnings: string[] = []
    const release = await acquireLockFile(lockPath, {waitMs: 0, staleMs: 6 * 3_600_000, warn: (m) => warnings.push(m)})
    await release()
    expect(warnings).toEqual([expect.stringContaining(`from pid ${pid} on ${hostname()} (that process is gone)`)])
  })

  it('reports a wait on a lock another live process holds', async () => {
    await writeLock({pid: process.ppid})
    const warnings: string[] = []
    await expect(acquireLockFile(lockPath, {waitMs: 1_500, what: 'the store', warn: (m) => warnings.push(m)})).rejects.toBeInstanceOf(LockedError)
    expect(warnings).toEqual([expect.stringMatching(new RegExp(`^waiting up to \\d+s more for the store, held by pid ${process.ppid} on `))])
  })

  it('does not report queueing behind a holder in its own process', async () => {
    const warnings: string[] = []
    const release = await acquireLockFile(lockPath)
    const second = acquireLockFile(lockPath, {waitMs: 5_000, warn: (m) => warnings.push(m)})
    await delay(700)
    await release()
    await (await second)()
    expect(warnings).toEqual([])
  })

  it('takes over a .break guard whose owner died, at once', async () => {
    await writeLock({pid: await deadPid()})
    await writeFile(`${lockPath}.break`, JSON.stringify({pid: await deadPid(), host: hostname(), time: new Date().toISOString(), token: 'x'}))
    const release = await acquireLockFile(lockPath, {waitMs: 2_000, warn: () => undefined})
    expect(await exists(`${lockPath}.break`)).toBe(false)
    await release()
  })

  it('removes owner-record temp files a killed creator left, once it holds the lock', async () => {
    const pid = await deadPid()
    const stray = `${lockPath}.tmp-${pid}-deadbeef`
    await writeFile(stray, '{}')
    await age(stray, 6_000)
    const fresh = `${lockPath}.tmp-${pid}-0badf00d`
    await writeFile(fresh, '{}')
    const warnings: string[] = []
    const release = await acquireLockFile(lockPath, {warn: (m) => warnings.push(m)})
    await release()
    expect(await exists(stray)).toBe(false)
    // Too young to judge: it may be a writer on another host sharing the folder.
    expect(await exists(fresh)).toBe(true)
    expect(warnings).toEqual([expect.stringContaining(`removed ${stray}`)])
  })
})
