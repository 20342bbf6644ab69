import {randomUUID} from 'node:crypto'
import {chmod, mkdir, open, type FileHandle} from 'node:fs/promises'
import {hostname, userInfo} from 'node:os'
import {dirname, isAbsolute} from 'node:path'
import {now as clockNow} from '../clock.js'
import {withLockFile} from '../util/lock-file.js'
import {AuditError} from './errors.js'
import {isRotorError} from '../errors/guards.js'
import {
  type CleanInput,
  GENESIS_HASH,
  hashLine,
  macFor,
  normalizeInput,
  parseEntry,
  requireString,
  serializeEntry,
} from './entry.js'
import {adoptAuditKey, type AuditKey, createAuditKey, findMovedAuditKey, keyIdOf, keySource, type KeyOptions, readAuditKey} from './key.js'
import {hashesOf, sharedLogIndex} from './read.js'
import type {Anchor, AuditEntry, AuditInput, AuditLogOptions} from './types.js'

/** How long an append waits for `<path>.lock` by default. */
export const DEFAULT_LOCK_TIMEOUT_MS = 5_000

/** How much of the end of the file is read to find the last line. */
export const TAIL_READ_BYTES = 64 * 1024

const NEWLINE = 0x0a

interface Tail {
  seq: number
  head: string
  /** The last entry, when there is one. */
  last?: AuditEntry
}

type ResolvedOptions = Required<Omit<AuditLogOptions, 'keyFile' | 'env' | 'note'>>

/**
 * The append-only, hash-chained audit log: one JSON line per state change, each carrying the
 * SHA-256 of the line before it. Appends are serialised within the process by batches (group
 * commit: see `append`) and across processes by the lock file `<path>.lock`; under the lock the tail is re-read, so several
 * processes (or several AuditLog instances) appending to one file still produce one valid chain.
 */
export class AuditLog {
  readonly path: string
  readonly user: string
  readonly host: string
  readonly runId: string
  private readonly now: () => Date
  private readonly lockTimeoutMs: number
  /** Entries waiting for the batch being written to finish (group commit). */
  private waiting: Array<{input: CleanInput; resolve: (entry: AuditEntry) => void; reject: (error: unknown) => void}> = []
  /** The batch being written, if any. */
  private writing?: Promise<void>
  private closed = false
  private tail: Tail
  /** HMAC key of the chain: every entry this instance writes carries a `mac`. */
  private readonly key: Buffer

  private constructor(path: string, opts: ResolvedOptions, tail: Tail, key: Buffer) {
    this.path = path
    this.key = key
    this.user = opts.user
    this.host = opts.host
    this.runId = opts.runId
    this.now = opts.now
    this.lockTimeoutMs = opts.lockTimeoutMs
    this.tail = tail
  }

  /**
   * Opens (creating if missing: directory mode 0700, file mode 0600) the log at the absolute `path`
   * and reads its last line. Fails with AuditError if the last line is damaged or cut short: run
   * `rotor audit verify` and repair the file before rotating again.
   */
  static async open(path: string, opts: AuditLogOptions = {}): Promise<AuditLog> {
    if (!isAbsolute(path)) throw new AuditError(`audit log path must be absolute: ${path}`)
    const resolved: ResolvedOptions = {
      user: requireString(opts.user ?? defaultUser(), 'user'),
      host: requireString(opts.host ?? hostname(), 'host'),
      runId: requireString(opts.runId ?? randomUUID(), 'runId'),
      now: opts.now ?? clockNow,
      lockTimeoutMs: opts.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    }
    await mkdir(dirname(path), {recursive: true, mode: 0o700})
    await createIfMissing(path)
    const tail = await withLock(path, resolved.lockTimeoutMs, async () => {
      const fh = await open(path, 'r')
      try {
        return await readTail(fh, path)
      } finally {
        await fh.close()
      }
    })
    const key = await openKey(path, tail, opts)
    return new AuditLog(path, resolved, tail, key)
  }

  /** Public name of this log's key; anchors carry it so that each log checks only its own. */
  get keyId(): string {
    return keyIdOf(this.key)
  }

  /** seq of the last entry this instance has seen (0 for an empty log). */
  get lastSeq(): number {
    return this.tail.seq
  }

  /** Hash of the last line this instance has seen (GENESIS_HASH for an empty log). */
  get head(): string {
    return this.tail.head
  }

  /**
   * What is wrong with `anchor` (a seq and hash recorded in a store) against this log, or undefined
   * when the log holds that entry. A log that lost entries an anchor names is deleted, emptied,
   * cut or replaced: the run must stop before it writes a new history over it.
   */
  async anchorProblem(anchor: Anchor): Promise<string | undefined> {
    return (await this.anchorProblems([anchor]))[0]
  }

  /** anchorProblem for many anchors (a run's), in one pass over the log (see hashesOf). */
  async anchorProblems(anchors: readonly Anchor[]): Promise<Array<string | undefined>> {
    // The log as read now, not as it was when this run opened it: another run may have appended
    // since (its anchor names a later entry), which is not a cut tail.
    const lastSeq = await sharedLogIndex(this.path).lastSeq()
    const hashes = await hashesOf(this.path, new Set(anchors.map((a) => a.seq)))
    return anchors.map((anchor) => anchorProblem(anchor, lastSeq, hashes.get(anchor.seq)))
  }

  /**
   * Intents that no outcome entry completes (a run stopped between them); only those of `secret`
   * when given. The process's one index of the log answers: a call reads only what was appended.
   */
  openIntents(secret?: string): Promise<AuditEntry[]> {
    return sharedLogIndex(this.path).openIntents(secret)
  }

  /**
   * Appends one entry and returns it as written. The entry is on disk (fdatasync) when the promise
   * resolves. Throws AuditError for an input with unexpected fields or over-long strings.
   *
   * Group commit: entries appended while a write is under way wait for it, then go to disk
   * together (one lock, one write, one fdatasync), so concurrent secrets share a sync. Each
   * promise still resolves only after the sync that covers its own entry: an intent is durable
   * before the change it announces starts, exactly as with one sync per entry.
   */
  append(input: AuditInput): Promise<AuditEntry> {
    if (this.closed) return Promise.reject(new AuditError(`audit log ${this.path} is closed`))
    let clean: CleanInput
    try {
      clean = normalizeInput(input)
    } catch (e) {
      return Promise.reject(e)
    }
    return new Promise<AuditEntry>((resolve, reject) => {
      this.waiting.push({input: clean, resolve, reject})
      this.startBatch()
    })
  }

  /** Waits for pending appends, then refuses new ones. */
  async close(): Promise<void> {
    this.closed = true
    while (this.writing) await this.writing
    // What this run appended is in the process's index: saved, the next process does not read it again.
    await sharedLogIndex(this.path).saveIfBehind()
  }

  /** Writes every waiting entry (up to MAX_BATCH) as one batch, unless a batch is being written. */
  private startBatch(): void {
    if (this.writing || this.waiting.length === 0) return
    const batch = this.waiting.splice(0, MAX_BATCH)
    this.writing = this.appendLocked(batch.map((b) => b.input)).then(
      (entries) => batch.forEach((b, i) => b.resolve(entries[i])),
      (error: unknown) => {
        const failure = appendFailure(error, this.path)
        for (const b of batch) b.reject(failure)
      },
    )
    void this.writing.finally(() => {
      this.writing = undefined
      this.startBatch()
    })
  }

  private appendLocked(inputs: CleanInput[]): Promise<AuditEntry[]> {
    return withLock(this.path, this.lockTimeoutMs, async () => {
      const fh = await open(this.path, 'a+', 0o600)
      try {
        // Under the lock nothing else writes: the lines go exactly at this end of this file.
        const {dev, ino, size: start} = await fh.stat()
        let tail = await readTail(fh, this.path)
        const lines: Buffer[] = []
        const written: AuditEntry[] = []
        const taken: Array<{bytes: Buffer; entry: AuditEntry; hash: string}> = []
        for (const input of inputs) {
          const entry: AuditEntry = {
            seq: tail.seq + 1,
            time: this.now().toISOString(),
            user: this.user,
            host: this.host,
            pid: process.pid,
            runId: this.runId,
            secret: input.secret,
            target: input.target,
            action: input.action,
            versionIds: input.versionIds,
            rotationId: input.rotationId,
            reason: input.reason,
            outcome: input.outcome,
            error: input.error,
            intent: input.intent,
            intentRunId: input.intentRunId,
            prev: tail.head,
          }
          entry.mac = macFor(entry, this.key)
          const line = Buffer.from(serializeEntry(entry), 'utf8')
          lines.push(line, LF)
          const parsed = JSON.parse(line.toString('utf8')) as AuditEntry
          written.push(parsed)
          tail = {seq: entry.seq, head: hashLine(line), last: parsed}
          taken.push({bytes: line, entry: parsed, hash: tail.head})
        }
        await writeAll(fh, Buffer.concat(lines))
        await fh.datasync()
        this.tail = tail
        // The process's index of the log takes them as written, instead of reading them back.
        void sharedLogIndex(this.path).appended({dev, ino}, start, taken)
        return written
      } finally {
        await fh.close()
      }
    })
  }
}

/** Most entries one write carries (a few hundred KB at most). */
const MAX_BATCH = 512
const LF = Buffer.from('\n')

/** Whatever stops an append stops the run: no store change may go unrecorded. */
function appendFailure(error: unknown, path: string): unknown {
  // AuditError, and LockedError for a log another process holds too long (exit 5).
  if (isRotorError(error)) return error
  // ENOSPC, EACCES, a lock held too long.
  const code = (error as NodeJS.ErrnoException).code
  return new AuditError(`cannot append to audit log ${path}: ${code ? `${code} ` : ''}${(error as Error).message}`, {
    hint: 'nothing further was changed; fix the log (space, permissions, path) and run again, `rotor audit verify` checks it',
    cause: error,
  })
}

/** Runs `fn` holding the inter-process lock `<path>.lock` (see src/util/lock-file.ts). */
function withLock<T>(path: string, timeoutMs: number, fn: () => Promise<T>): Promise<T> {
  return withLockFile(`${path}.lock`, fn, {waitMs: timeoutMs, what: `audit log ${path}`})
}

function defaultUser(): string {
  try {
    const name = userInfo().username
    if (name) return name
  } catch {
    // No passwd entry (e.g. an arbitrary uid in a container).
  }
  return process.env.USER || 'unknown'
}

async function createIfMissing(path: string): Promise<void> {
  let fh
  try {
    fh = await open(path, 'wx', 0o600)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return
    throw e
  }
  try {
    await chmod(path, 0o600) // in case the umask took bits away from the owner
    await fh.sync()
  } finally {
    await fh.close()
  }
  await syncDir(dirname(path))
}

/** Makes a newly created directory entry durable; not supported everywhere (e.g. Windows). */
async function syncDir(dir: string): Promise<void> {
  let fh
  try {
    fh = await open(dir, 'r')
    await fh.sync()
  } catch {
    // best effort
  } finally {
    await fh?.close()
  }
}

async function writeAll(fh: FileHandle, buf: Buffer): Promise<void> {
  let off = 0
  while (off < buf.length) {
    // Position null: the file is open with O_APPEND, so every write goes to the end.
    const {bytesWritten} = await fh.write(buf, off, buf.length - off, null)
    off += bytesWritten
  }
}

/** Index of the last newline strictly before `end`, or -1. */
function lastNewlineBefore(buf: Buffer, end: number): number {
  return end <= 0 ? -1 : buf.lastIndexOf(NEWLINE, end - 1)
}

async function readAt(fh: FileHandle, start: number, length: number): Promise<Buffer> {
  const buf = Buffer.alloc(length)
  let off = 0
  while (off < length) {
    const {bytesRead} = await fh.read(buf, off, length - off, start + off)
    if (bytesRead === 0) break
    off += bytesRead
  }
  return buf.subarray(0, off)
}

/**
 * Finds the last line's seq and hash reading only the last TAIL_READ_BYTES of the file, or the
 * whole file if the last line is longer than that.
 */
async function readTail(fh: FileHandle, path: string): Promise<Tail> {
  const {size} = await fh.stat()
  if (size === 0) return {seq: 0, head: GENESIS_HASH}

  const hint = `Run \`rotor audit verify\` and repair ${path} before rotating again.`
  const start = Math.max(0, size - TAIL_READ_BYTES)
  let buf = await readAt(fh, start, size - start)
  if (buf[buf.length - 1] !== NEWLINE) {
    throw new AuditError(`audit log ${path} ends with an incomplete line (an interrupted write?)`, {hint})
  }
  let nl = lastNewlineBefore(buf, buf.length - 1)
  if (nl < 0 && start > 0) {
    // The last line is longer than the tail we read (not something rotor writes): read it all.
    buf = await readAt(fh, 0, size)
    nl = lastNewlineBefore(buf, buf.length - 1)
  }
  const line = buf.subarray(nl + 1, buf.length - 1)

  let parsed: unknown
  try {
    parsed = JSON.parse(line.toString('utf8'))
  } catch {
    parsed = undefined
  }
  const result = parseEntry(parsed)
  if (!('entry' in result)) {
    throw new AuditError(`the last line of audit log ${path} is not a valid entry`, {hint})
  }
  return {seq: result.entry.seq, head: hashLine(line), last: result.entry}
}

/** The message for an anchor the log does not hold (see AuditLog.anchorProblem). */
export function anchorProblem(anchor: Anchor, lastSeq: number, hashAtSeq: string | undefined): string | undefined {
  const names = `${anchor.source} records entry ${anchor.seq} (hash ${anchor.head.slice(0, 12)}…)`
  if (lastSeq === 0) return `the audit log is missing or empty, but ${names}: the log was deleted or emptied`
  if (anchor.seq > lastSeq) return `the audit log ends at entry ${lastSeq}, but ${names}: its tail was cut`
  if (hashAtSeq === undefined) return `the audit log has no entry ${anchor.seq}, but ${names}: entries were removed`
  if (hashAtSeq !== anchor.head) {
    return `entry ${anchor.seq} of the audit log has hash ${hashAtSeq.slice(0, 12)}…, but ${names}: the chain was rebuilt or the log replaced`
  }
  return undefined
}

/**
 * The chain's key. A log whose entries are keyed never goes back to unkeyed ones, so a keyed log
 * whose key is missing or different is an error; a new key is made only for a log with no keyed entry.
 */
async function openKey(path: string, tail: Tail, opts: AuditLogOptions): Promise<Buffer> {
  const keyOpts = {env: opts.env ?? process.env, ...(opts.keyFile ? {keyFile: opts.keyFile} : {})}
  const existing = await readAuditKey(path, keyOpts)
  if (existing) {
    if (tail.last?.mac && macFor(tail.last, existing.key) !== tail.last.mac) {
      throw new AuditError(`the last entry of audit log ${path} does not verify under the audit key ${existing.source}`, {
        hint: 'the key is not the one this log was written with, or the entry was changed: run `rotor audit verify`',
      })
    }
    return existing.key
  }
  const last = tail.last
  if (last?.mac) {
    // Moved with its project: the key file is named after the old path.
    const moved = await findMovedAuditKey(path, (key) => macFor(last, key) === last.mac, keyOpts)
    if (moved) {
      const adopted = await adoptAuditKey(path, moved, keyOpts)
      const note = opts.note ?? ((message: string) => process.stderr.write(`${message}\n`))
      note(`Found the audit key of ${path} in ${moved.source} (the log was moved, or its folder renamed) and copied it to ${adopted.source}, the key file of its new path; back it up with the other.`)
      return adopted.key
    }
    throw new AuditError(`audit log ${path} is keyed, but its audit key ${keySource(path, keyOpts)} is missing`, {
      hint: 'restore the key (ROTOR_AUDIT_KEY, ROTOR_AUDIT_KEY_FILE or the file under the rotor user directory); a new key would not verify the log',
    })
  }
  const created = await createAuditKey(path, keyOpts)
  if (created.created) {
    const note = opts.note ?? ((message: string) => process.stderr.write(`${message}\n`))
    note(`Created audit key ${created.source} for ${path}: keep it apart from the log and back it up; \`rotor audit verify\` needs it.`)
  }
  return created.key
}

/**
 * The key of the log at `path` for reading it (`audit verify`): as AuditLog.open finds it,
 * including the key of a log moved to another path, without copying anything.
 */
export async function locateAuditKey(path: string, opts: KeyOptions = {}): Promise<AuditKey | undefined> {
  const found = await readAuditKey(path, opts)
  if (found) return found
  let last: AuditEntry | undefined
  try {
    const fh = await open(path, 'r')
    try {
      last = (await readTail(fh, path)).last
    } finally {
      await fh.close()
    }
  } catch {
    return undefined // no log, or a damaged end: verify says what is wrong with it
  }
  const mac = last?.mac
  return mac ? findMovedAuditKey(path, (key) => macFor(last!, key) === mac, opts) : undefined
}
