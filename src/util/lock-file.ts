/**
 * An exclusive lock between processes: a file created with O_EXCL that holds the owner's pid,
 * host, creation time and a random token. A lock is stale when its process is gone (checked on
 * the same host only) or when it is older than `staleMs`; a stale lock is taken over, so a crashed
 * run never blocks the next one for long. Lock times use the real wall clock, never the injectable
 * rotor clock, so processes agree on ages.
 */
import {randomUUID} from 'node:crypto'
import {open, readFile, stat, unlink} from 'node:fs/promises'
import {hostname} from 'node:os'
import {LockedError} from '../errors/index.js'
import {sleep} from './sleep.js'

/** A lock older than this is considered abandoned even if its process seems alive. */
export const LOCK_STALE_MS = 30_000
/** How long acquireLockFile waits for a held lock by default. */
export const DEFAULT_LOCK_WAIT_MS = 10_000

/** A `.break` file is held for microseconds, so one older than this was left by a crash. */
const BREAK_STALE_MS = LOCK_STALE_MS
/** First and largest pause between attempts; each pause is jittered by ±50 %. */
const MIN_BACKOFF_MS = 5
const MAX_BACKOFF_MS = 100

export interface LockOptions {
  /** Give up after this long (0: try once). Default DEFAULT_LOCK_WAIT_MS. */
  waitMs?: number
  /** A lock older than this is considered abandoned. Default LOCK_STALE_MS. */
  staleMs?: number
  /** Words for the error message, e.g. "the file store". */
  what?: string
}

interface LockInfo {
  pid: number
  host: string
  /** Creation time in ms since the epoch (written as an ISO string). */
  time: number
  token: string
}

interface SeenLock {
  /** Undefined when the content is unreadable (being written right now, or damaged). */
  info?: LockInfo
  ino: number
  mtimeMs: number
}

/** Runs `fn` holding the lock `lockPath`, releasing it afterwards even if `fn` throws. */
export async function withLockFile<T>(lockPath: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const release = await acquireLockFile(lockPath, options)
  try {
    return await fn()
  } finally {
    await release()
  }
}

/**
 * Takes the lock `lockPath`, waiting up to `waitMs` with a jittered exponential backoff and
 * breaking a stale lock on the way; fails with LockedError when the time is up. Returns the
 * function that releases the lock: it removes the file only if it is still ours (the token
 * matches), so a holder whose lock was broken as stale never deletes its successor's lock.
 */
export async function acquireLockFile(lockPath: string, options: LockOptions = {}): Promise<() => Promise<void>> {
  const waitMs = options.waitMs ?? DEFAULT_LOCK_WAIT_MS
  const staleMs = options.staleMs ?? LOCK_STALE_MS
  const deadline = Date.now() + waitMs
  const token = randomUUID()
  let delay = MIN_BACKOFF_MS
  for (;;) {
    if (await tryCreate(lockPath, token)) {
      let released = false
      return async () => {
        if (released) return
        released = true
        await release(lockPath, token)
      }
    }
    if (await breakIfStale(lockPath, staleMs)) continue
    const remaining = deadline - Date.now()
    if (remaining <= 0) throw lockedError(lockPath, options.what, await readLock(lockPath).catch(() => undefined))
    await sleep(Math.min(delay, remaining) * (0.5 + Math.random()))
    delay = Math.min(delay * 2, MAX_BACKOFF_MS)
  }
}

function lockedError(lockPath: string, what: string | undefined, seen: SeenLock | undefined): LockedError {
  const owner = seen?.info
  const who = owner ? ` (pid ${owner.pid} on ${owner.host} since ${new Date(owner.time).toISOString()})` : ''
  return new LockedError(`${what ?? `lock ${lockPath}`} is held by another rotor process${who}`, {
    ref: lockPath,
    hint:
      `wait for the other run to finish, or delete ${lockPath} if no rotor process is running ` +
      '(a lock left by a crashed process is taken over automatically)',
  })
}

async function tryCreate(lockPath: string, token: string): Promise<boolean> {
  let fh
  try {
    fh = await open(lockPath, 'wx', 0o600)
  } catch (e) {
    if (errno(e) === 'EEXIST') return false
    throw e
  }
  try {
    await fh.writeFile(JSON.stringify({pid: process.pid, host: hostname(), time: new Date().toISOString(), token}))
  } catch (e) {
    await fh.close().catch(() => undefined)
    await unlinkQuietly(lockPath)
    throw e
  }
  await fh.close()
  return true
}

async function release(lockPath: string, token: string): Promise<void> {
  const current = await readLock(lockPath)
  // Our lock may have been broken as stale and taken by someone else: leave theirs alone.
  if (current?.info?.token === token) await unlinkQuietly(lockPath)
}

async function readLock(lockPath: string): Promise<SeenLock | undefined> {
  try {
    const st = await stat(lockPath)
    const text = await readFile(lockPath, 'utf8')
    return {info: parseInfo(text), ino: st.ino, mtimeMs: st.mtimeMs}
  } catch (e) {
    if (errno(e) === 'ENOENT') return undefined
    throw e
  }
}

function parseInfo(text: string): LockInfo | undefined {
  let parsed: Partial<Record<keyof LockInfo, unknown>>
  try {
    parsed = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined
  const {pid, host, token} = parsed
  // The time is written as an ISO string; older rotor versions wrote epoch ms and no token.
  const time = typeof parsed.time === 'string' ? Date.parse(parsed.time) : parsed.time
  if (typeof pid !== 'number' || typeof host !== 'string' || typeof time !== 'number' || Number.isNaN(time)) {
    return undefined
  }
  return {pid, host, time, token: typeof token === 'string' ? token : ''}
}

function isStale(lock: SeenLock, staleMs: number): boolean {
  // An unreadable lock is judged by its mtime alone: fresh, it is probably being written.
  const age = Date.now() - (lock.info ? lock.info.time : lock.mtimeMs)
  if (age > staleMs) return true
  const info = lock.info
  return info !== undefined && info.host === hostname() && !processAlive(info.pid)
}

function processAlive(pid: number): boolean {
  // 0 and negative pids would address process groups.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return errno(e) === 'EPERM'
  }
}

/**
 * Removes the lock if it is stale. Returns true when the caller should retry at once (the lock was
 * removed or vanished). Breakers serialise on `<lock>.break` so two of them cannot both judge the
 * same lock stale and the slower one then delete a fresh lock taken in between.
 */
async function breakIfStale(lockPath: string, staleMs: number): Promise<boolean> {
  const seen = await readLock(lockPath)
  if (!seen) return true
  if (!isStale(seen, staleMs)) return false

  const breakPath = `${lockPath}.break`
  let fh
  try {
    fh = await open(breakPath, 'wx', 0o600)
  } catch (e) {
    if (errno(e) !== 'EEXIST') throw e
    // Someone else is breaking it; a break lock is held for microseconds, so an old one is debris.
    try {
      const st = await stat(breakPath)
      if (Date.now() - st.mtimeMs > BREAK_STALE_MS) await unlinkQuietly(breakPath)
    } catch (e2) {
      if (errno(e2) !== 'ENOENT') throw e2
    }
    return false
  }
  try {
    await fh.close()
    // Judge again under the break lock: only the very lock seen stale above may be removed.
    const now = await readLock(lockPath)
    if (!now) return true
    if (now.ino === seen.ino && now.mtimeMs === seen.mtimeMs && isStale(now, staleMs)) {
      await unlinkQuietly(lockPath)
      return true
    }
    return false
  } finally {
    await unlinkQuietly(breakPath)
  }
}

async function unlinkQuietly(path: string): Promise<void> {
  try {
    await unlink(path)
  } catch (e) {
    if (errno(e) !== 'ENOENT') throw e
  }
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code
}
