/**
 * An exclusive lock between processes that always names its owner: the owner record (pid, host,
 * creation time, a random token) is written to a temp file and fsynced first, and the lock is then
 * created by link(), which fails when the lock exists. So no kill can leave an empty lock file.
 * A lock is stale when its process is gone (checked on the same host only: taken over at once),
 * when it is older than `staleMs`, or when it is empty or unreadable (made by hand or by an older
 * rotor) and its file is older than UNREADABLE_STALE_MS; a stale lock is taken over, so a crashed
 * run never blocks the next one for long. Every wait and every takeover is reported through
 * `warn`. Lock times use the real wall clock, never the injectable rotor clock, so processes agree
 * on ages.
 */
import {randomUUID} from 'node:crypto'
import {readFile, stat, unlink} from 'node:fs/promises'
import {hostname} from 'node:os'
import {processAlive} from './process.js'
import {LockedError} from '../errors/index.js'
import {createFileExclusive, sweepStrayTemps} from './atomic-write.js'
import {sleep} from './sleep.js'

/** A lock older than this is considered abandoned even if its process seems alive. */
export const LOCK_STALE_MS = 30_000
/** How long acquireLockFile waits for a held lock by default. */
export const DEFAULT_LOCK_WAIT_MS = 10_000

/** A `.break` file is held for microseconds, so one older than this was left by a crash. */
const BREAK_STALE_MS = LOCK_STALE_MS
/**
 * An empty or unreadable lock names no owner to check. Link-based creation never makes one, so it
 * was made by hand or by an older rotor killed between creating and filling it: once its file is
 * this old, nobody is still writing it.
 */
export const UNREADABLE_STALE_MS = 5_000
/** First and largest pause between attempts; each pause is jittered by ±50 %. */
const MIN_BACKOFF_MS = 5
const MAX_BACKOFF_MS = 100
/**
 * A wait is reported once it has lasted this long and the holder is another process: writers in
 * one process queue on the store's lock all the time, and a few milliseconds are no news.
 */
const WAIT_REPORT_AFTER_MS = 500

export interface LockOptions {
  /** Give up after this long (0: try once). Default DEFAULT_LOCK_WAIT_MS. */
  waitMs?: number
  /** A lock older than this is considered abandoned. Default LOCK_STALE_MS. */
  staleMs?: number
  /** Words for the error message, e.g. "the file store". */
  what?: string
  /**
   * Told about every wait on the lock and every takeover of a stale one (never a secret value).
   * Default: a `Warning:` line on stderr.
   */
  warn?: (message: string) => void
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
  const warn = options.warn ?? warnOnStderr
  const what = options.what ?? `lock ${lockPath}`
  const where = options.what ? ` (${lockPath})` : ''
  const token = randomUUID()
  const started = Date.now()
  let delay = MIN_BACKOFF_MS
  let waitReported = false
  for (;;) {
    if (await createOwned(lockPath, token)) {
      // Holding the lock: owner records a creator killed before unlinking them are debris now.
      await sweepStrayTemps(lockPath, warn)
      await sweepStrayTemps(`${lockPath}.break`, warn)
      let released = false
      return async () => {
        if (released) return
        released = true
        await release(lockPath, token)
      }
    }
    const broken = await breakIfStale(lockPath, staleMs)
    if (broken) {
      if (broken !== 'vanished') warn(`took over ${what} from ${broken}${where}`)
      continue
    }
    const remaining = deadline - Date.now()
    if (remaining <= 0) throw lockedError(lockPath, options.what, await readLock(lockPath).catch(() => undefined))
    if (!waitReported && Date.now() - started >= WAIT_REPORT_AFTER_MS) {
      const seen = await readLock(lockPath).catch(() => undefined)
      if (!(seen?.info?.pid === process.pid && seen.info.host === hostname())) {
        waitReported = true
        warn(`waiting up to ${Math.ceil(remaining / 1000)}s more for ${what}, held by ${ownerText(seen)}${where}`)
      }
    }
    await sleep(Math.min(delay, remaining) * (0.5 + Math.random()))
    delay = Math.min(delay * 2, MAX_BACKOFF_MS)
  }
}

const warnOnStderr = (message: string): void => {
  process.stderr.write(`Warning: ${message}\n`)
}

function ownerText(seen: SeenLock | undefined): string {
  const owner = seen?.info
  if (owner) return `pid ${owner.pid} on ${owner.host} since ${new Date(owner.time).toISOString()}`
  return seen ? `an unknown owner (the lock file names none; modified ${new Date(seen.mtimeMs).toISOString()})` : 'another process'
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

/**
 * Creates `lockPath` holding our owner record, or returns false when it exists. The record is
 * written and fsynced under a temp name first and then hard-linked into place, so the lock file
 * exists only with its whole content: a kill at any moment leaves either no lock or a lock that
 * names its (dead) owner, plus at worst a temp file that sweepStrayTemps removes later.
 * Exported for tests.
 */
export function createOwned(lockPath: string, token: string): Promise<boolean> {
  const record = JSON.stringify({pid: process.pid, host: hostname(), time: new Date().toISOString(), token})
  return createFileExclusive(lockPath, record, 0o600, token.slice(0, 8))
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

/** Why the lock counts as abandoned (for the takeover message), or undefined while it is held. */
function staleReason(lock: SeenLock, staleMs: number): string | undefined {
  const info = lock.info
  if (!info) {
    const age = Date.now() - lock.mtimeMs
    // Fresh, it may be an older rotor's lock being written right now.
    return age > Math.min(UNREADABLE_STALE_MS, staleMs) ? `an owner the lock file does not name (empty or unreadable, ${Math.round(age / 1000)}s old)` : undefined
  }
  const owner = `pid ${info.pid} on ${info.host}`
  if (info.host === hostname() && !processAlive(info.pid)) return `${owner} (that process is gone)`
  const age = Date.now() - info.time
  if (age > staleMs) return `${owner} (held for ${Math.round(age / 1000)}s, longer than ${Math.round(staleMs / 1000)}s)`
  return undefined
}


/**
 * Removes the lock if it is stale. Returns why it was removed (or 'vanished' when it was gone),
 * meaning the caller should retry at once, or undefined while it is held. Breakers serialise on
 * `<lock>.break`, itself an owned lock, so two of them cannot both judge the same lock stale and
 * the slower one then delete a fresh lock taken in between; a break lock whose owner died is
 * taken over at once on this host.
 */
async function breakIfStale(lockPath: string, staleMs: number): Promise<string | undefined> {
  const seen = await readLock(lockPath)
  if (!seen) return 'vanished'
  if (!staleReason(seen, staleMs)) return undefined

  const breakPath = `${lockPath}.break`
  const breakToken = randomUUID()
  if (!(await createOwned(breakPath, breakToken))) {
    // Someone else is breaking it; a break lock is held for microseconds, so a dead one is debris.
    const other = await readLock(breakPath)
    if (other && staleReason(other, BREAK_STALE_MS)) {
      const again = await readLock(breakPath)
      if (again && again.ino === other.ino && again.mtimeMs === other.mtimeMs) await unlinkQuietly(breakPath)
    }
    return undefined
  }
  try {
    // Judge again under the break lock: only the very lock seen stale above may be removed.
    const now = await readLock(lockPath)
    if (!now) return 'vanished'
    const reason = now.ino === seen.ino && now.mtimeMs === seen.mtimeMs ? staleReason(now, staleMs) : undefined
    if (reason) await unlinkQuietly(lockPath)
    return reason
  } finally {
    await release(breakPath, breakToken)
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
