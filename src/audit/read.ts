import {createHash, randomBytes} from 'node:crypto'
import {mkdir, open, readFile, rename, rm, writeFile, type FileHandle} from 'node:fs/promises'
import {join, resolve} from 'node:path'
import {rotorUserDir} from '../util/user-dir.js'
import {hashLine, parseEntry} from './entry.js'
import type {AuditEntry} from './types.js'

const NEWLINE = 0x0a

/** One complete line of a log: its hash, and the entry when it parses as one. */
export interface LogLine {
  hash: string
  entry?: AuditEntry
}

/** Every complete line of the log at `path` (none when it does not exist), in file order. */
export async function* readLog(path: string): AsyncGenerator<LogLine> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  try {
    let rest: Buffer = Buffer.alloc(0)
    for await (const chunk of fh.createReadStream({autoClose: false})) {
      let buf = rest.length > 0 ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer)
      let nl
      while ((nl = buf.indexOf(NEWLINE)) >= 0) {
        yield toLine(buf.subarray(0, nl))
        buf = buf.subarray(nl + 1)
      }
      rest = Buffer.from(buf)
    }
  } finally {
    await fh.close()
  }
}

function toLine(bytes: Buffer): LogLine {
  let parsed: unknown
  try {
    parsed = JSON.parse(bytes.toString('utf8'))
  } catch {
    return {hash: hashLine(bytes)}
  }
  const result = parseEntry(parsed)
  return 'entry' in result ? {hash: hashLine(bytes), entry: result.entry} : {hash: hashLine(bytes)}
}

/** Intents no outcome entry completes, oldest first. One fresh pass over the log. */
export async function openIntents(path: string): Promise<AuditEntry[]> {
  return new LogIndex(path).openIntents()
}

/** Which secrets and stores the log shows a change for (see src/audit/history.ts for the rules). */
export interface HistoryNames {
  secrets: Set<string>
  stores: Set<string>
}

/**
 * What a LogIndex learnt from a log up to `offset` (its open intents, the secrets and stores with
 * history), saved for the next process: a `plan` of a large fleet then reads only what was appended
 * since, not the whole log. Kept in the user's state folder (rotorUserDir()/state, apart from the
 * project, as the file store's last generations are), one file per log path.
 */
interface SavedIndex {
  v: typeof SAVED_FORMAT
  path: string
  file: {dev: number; ino: number}
  offset: number
  lastLine: {start: number; bytes: string}
  lastSeq: number
  secrets: string[]
  stores: string[]
  open: AuditEntry[]
}

const SAVED_FORMAT = 1
/** A state is saved once this much more of the log was read since the last save (and a quarter of what it covers). */
const SAVE_AFTER_BYTES = 1 << 20

export function savedIndexFile(path: string, env: NodeJS.ProcessEnv = process.env): string {
  const id = createHash('sha256').update(resolve(path)).digest('hex').slice(0, 16)
  return join(rotorUserDir(env), 'state', `audit-index-${id}.json`)
}

/**
 * What a run needs from its audit log, learnt in one pass and kept current by reading only what
 * was appended since: the open intents (per secret), the secrets and stores with history, and on
 * request each entry's hash (for anchors). A run used to read the whole log for the history, again
 * for the file store's "lost" check, again for the hashes, and once more for every secret it
 * changed (its open intents): O(secrets x log size). Now each byte is read once per process, and
 * (without hashes) once at all: what was read is saved (SavedIndex) and the next process starts
 * where this one stopped.
 *
 * A log that was replaced (another inode), cut (shorter than what was read) or rewritten (the last
 * line read is no longer where it was) is read again from the start, so the answers are always
 * those of a full read of the file as it is now. A saved state is checked the same way before it
 * is used.
 */
export class LogIndex {
  readonly path: string
  #offset = 0
  /** The last complete line read, and where it starts: a rewrite of the file shows there. */
  #lastLine?: {start: number; bytes: Buffer}
  #file?: {dev: number; ino: number}
  /** An incomplete last line: no entry, but the loose history reads it as readline would. */
  #fragment?: Buffer
  #open = new Map<number, AuditEntry>()
  #openBySecret = new Map<string, Map<number, AuditEntry>>()
  #secrets = new Set<string>()
  #stores = new Set<string>()
  #hashes?: Map<number, string>
  #lastSeq = 0
  #queue: Promise<unknown> = Promise.resolve()
  /** The read queued and not yet started, which new calls join. */
  #waiting?: {hashes: boolean; run: Promise<void>}
  /** Where the state is saved (undefined: never saved nor loaded), whether it was looked for, and up to where it holds. */
  readonly #savedFile?: string
  #looked = false
  #savedOffset = 0

  constructor(path: string, options: {save?: boolean; env?: NodeJS.ProcessEnv} = {}) {
    this.path = path
    if (options.save) this.#savedFile = savedIndexFile(path, options.env)
  }

  /** Intents no outcome entry completes, oldest first; only those of `secret` when given. */
  async openIntents(secret?: string): Promise<AuditEntry[]> {
    await this.refresh()
    const open = secret === undefined ? this.#open : this.#openBySecret.get(secret)
    return open ? [...open.values()] : []
  }

  /** Secrets and stores with at least one change that happened (a copy: the log goes on growing). */
  async history(): Promise<HistoryNames> {
    await this.refresh()
    const secrets = new Set(this.#secrets)
    const stores = new Set(this.#stores)
    if (this.#fragment) looseHistory(this.#fragment, secrets, stores)
    return {secrets, stores}
  }

  /** The hash of the line holding entry `seq`, or undefined when no entry has that seq. */
  async hashAt(seq: number): Promise<string | undefined> {
    await this.refresh({hashes: true})
    return this.#hashes!.get(seq)
  }

  /** The highest seq in the log as read now (0 when empty or missing). */
  async lastSeq(): Promise<number> {
    await this.refresh()
    return this.#lastSeq
  }

  /**
   * Reads what was appended since the last call (everything, the first time). Calls run one at a
   * time; calls made while a read waits to start share it (it starts after each of them, so it
   * sees what each of them would: many secrets of a run asking at once cost one read).
   */
  refresh(options: {hashes?: boolean} = {}): Promise<void> {
    const hashes = options.hashes ?? false
    const waiting = this.#waiting
    if (waiting && (waiting.hashes || !hashes)) return waiting.run
    const next: {hashes: boolean; run: Promise<void>} = {hashes, run: Promise.resolve()}
    next.run = this.#queue.then(() => {
      if (this.#waiting === next) this.#waiting = undefined
      return this.#read(hashes)
    })
    this.#waiting = next
    this.#queue = next.run.catch(() => undefined)
    return next.run
  }

  #reset(hashes: boolean): void {
    this.#offset = 0
    this.#lastLine = undefined
    this.#file = undefined
    this.#fragment = undefined
    this.#open = new Map()
    this.#openBySecret = new Map()
    this.#secrets = new Set()
    this.#stores = new Set()
    this.#hashes = hashes ? new Map() : undefined
    this.#lastSeq = 0
    this.#savedOffset = 0
  }

  async #read(wantHashes: boolean): Promise<void> {
    // Hashes are never saved: a run that needs them reads the whole log anyway.
    if (!this.#looked && !wantHashes) await this.#load()
    this.#looked = true
    let fh
    try {
      fh = await open(this.path, 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      this.#reset(wantHashes || this.#hashes !== undefined)
      return
    }
    try {
      const info = await fh.stat()
      // Only a regular file is a log to read (a device such as /dev/full never ends).
      if (!info.isFile()) {
        this.#reset(wantHashes || this.#hashes !== undefined)
        return
      }
      const same = this.#file?.dev === info.dev && this.#file.ino === info.ino && info.size >= this.#offset
      if (!same || (wantHashes && !this.#hashes) || !(await this.#lastLineIntact(fh))) {
        this.#reset(wantHashes || this.#hashes !== undefined)
      }
      this.#file = {dev: info.dev, ino: info.ino}
      await this.#consume(fh)
    } finally {
      await fh.close()
    }
    const unsaved = this.#offset - this.#savedOffset
    if (unsaved >= SAVE_AFTER_BYTES && unsaved * 4 >= this.#offset) await this.#save()
  }

  /** Starts from the saved state when there is one for this log; #read then checks it still holds. */
  async #load(): Promise<void> {
    if (!this.#savedFile) return
    let saved: SavedIndex
    try {
      saved = JSON.parse(await readFile(this.#savedFile, 'utf8')) as SavedIndex
    } catch {
      return // none yet, or unreadable: a full read
    }
    if (saved?.v !== SAVED_FORMAT || saved.path !== resolve(this.path) || !Number.isSafeInteger(saved.offset) || !saved.lastLine || !saved.file) return
    this.#reset(false)
    this.#file = {dev: saved.file.dev, ino: saved.file.ino}
    this.#offset = saved.offset
    this.#savedOffset = saved.offset
    this.#lastLine = {start: saved.lastLine.start, bytes: Buffer.from(saved.lastLine.bytes, 'base64')}
    this.#lastSeq = saved.lastSeq
    this.#secrets = new Set(saved.secrets)
    this.#stores = new Set(saved.stores)
    for (const entry of saved.open) this.#opened(entry)
  }

  /** Best-effort: a state that cannot be written only means the next process reads the whole log. */
  async #save(): Promise<void> {
    if (!this.#savedFile || !this.#file || !this.#lastLine) return
    const saved: SavedIndex = {
      v: SAVED_FORMAT,
      path: resolve(this.path),
      file: this.#file,
      offset: this.#offset,
      lastLine: {start: this.#lastLine.start, bytes: this.#lastLine.bytes.toString('base64')},
      lastSeq: this.#lastSeq,
      secrets: [...this.#secrets],
      stores: [...this.#stores],
      open: [...this.#open.values()],
    }
    const temp = `${this.#savedFile}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
    try {
      await mkdir(join(this.#savedFile, '..'), {recursive: true, mode: 0o700})
      await writeFile(temp, JSON.stringify(saved), {mode: 0o600, flag: 'wx'})
      await rename(temp, this.#savedFile)
      this.#savedOffset = this.#offset
    } catch {
      await rm(temp, {force: true}).catch(() => undefined)
    }
  }

  async #lastLineIntact(fh: FileHandle): Promise<boolean> {
    const last = this.#lastLine
    if (!last) return true
    const length = last.bytes.length + 1
    const buf = Buffer.alloc(length)
    const {bytesRead} = await fh.read(buf, 0, length, last.start)
    return bytesRead === length && buf[length - 1] === NEWLINE && buf.subarray(0, length - 1).equals(last.bytes)
  }

  async #consume(fh: FileHandle): Promise<void> {
    let rest: Buffer = Buffer.alloc(0)
    let lineStart = this.#offset
    let last: {start: number; bytes: Buffer} | undefined
    for await (const chunk of fh.createReadStream({start: this.#offset, autoClose: false})) {
      let buf = rest.length > 0 ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer)
      let nl
      while ((nl = buf.indexOf(NEWLINE)) >= 0) {
        const bytes = buf.subarray(0, nl)
        this.#take(bytes)
        last = {start: lineStart, bytes}
        lineStart += nl + 1
        buf = buf.subarray(nl + 1)
      }
      // A view into the chunk would keep all of it alive: keep a copy of the line only.
      if (last) last = {start: last.start, bytes: Buffer.from(last.bytes)}
      rest = Buffer.from(buf)
    }
    if (last) this.#lastLine = last
    this.#offset = lineStart
    this.#fragment = rest.length > 0 ? rest : undefined
  }

  /**
   * Lines this process has just appended at `start`, the end of the log file `file` (its device and
   * inode) when it wrote them under the log's lock, each with its entry and hash: taken as a read
   * of them would take them when the index had read that file exactly up to `start`; else left for
   * the next refresh, which reads them. Queued behind reads already asked for, like refresh. A run
   * that appends much (apply creating a fleet: 176 MB at 100,000 secrets) then leaves an index that
   * is current, and `saveIfBehind` hands it to the next process, which reads none of it again.
   */
  appended(file: {dev: number; ino: number}, start: number, lines: ReadonlyArray<{bytes: Buffer; entry: AuditEntry; hash: string}>): Promise<void> {
    const run = this.#queue.then(() => {
      // A log read as missing or empty (no file yet) is current when these lines start it.
      const sameFile = this.#file ? this.#file.dev === file.dev && this.#file.ino === file.ino : this.#offset === 0
      if (!this.#looked || !sameFile || this.#offset !== start || this.#fragment !== undefined || lines.length === 0) return
      this.#file = {dev: file.dev, ino: file.ino}
      let lineStart = start
      for (const {bytes, entry, hash} of lines) {
        this.#takeEntry(entry, entry, hash)
        lineStart += bytes.length + 1
      }
      const last = lines.at(-1)!.bytes
      this.#lastLine = {start: lineStart - last.length - 1, bytes: Buffer.from(last)}
      this.#offset = lineStart
    })
    // Never rejects: a line not taken here is read by the next refresh.
    this.#queue = run.catch(() => undefined)
    return this.#queue as Promise<void>
  }

  /** Saves the state when this process read or took at least SAVE_AFTER_BYTES of the log since the last save (a run's end). */
  saveIfBehind(): Promise<void> {
    const run = this.#queue.then(() => (this.#offset - this.#savedOffset >= SAVE_AFTER_BYTES ? this.#save() : undefined))
    this.#queue = run.catch(() => undefined)
    return this.#queue as Promise<void>
  }

  #take(bytes: Buffer): void {
    let parsed: unknown
    try {
      parsed = JSON.parse(bytes.toString('utf8'))
    } catch {
      return
    }
    const result = parseEntry(parsed)
    this.#takeEntry(parsed, 'entry' in result ? result.entry : undefined, bytes)
  }

  /** One line: `parsed` its JSON, `entry` the entry it holds (if any), `line` its bytes or hash. */
  #takeEntry(parsed: unknown, entry: AuditEntry | undefined, line: Buffer | string): void {
    looseHistoryOf(parsed, this.#secrets, this.#stores)
    if (!entry) return
    if (entry.seq > this.#lastSeq) this.#lastSeq = entry.seq
    this.#hashes?.set(entry.seq, typeof line === 'string' ? line : hashLine(line))
    if (entry.outcome === 'intent') {
      this.#opened(entry)
    } else if (entry.intent !== undefined) {
      const intent = this.#open.get(entry.intent)
      this.#open.delete(entry.intent)
      const mine = intent ? this.#openBySecret.get(intent.secret) : undefined
      // A secret with no open intent left keeps no map: a fleet's log leaves none behind.
      if (mine?.delete(entry.intent) && mine.size === 0) this.#openBySecret.delete(intent!.secret)
    }
  }

  #opened(entry: AuditEntry): void {
    this.#open.set(entry.seq, entry)
    let mine = this.#openBySecret.get(entry.secret)
    if (!mine) this.#openBySecret.set(entry.secret, (mine = new Map()))
    mine.set(entry.seq, entry)
  }
}

/**
 * The history's loose reading: any JSON object with the outcome `ok`, its `secret` and the store
 * of its `target`, whatever else it holds (the log's format is the writer's business).
 */
function looseHistoryOf(parsed: unknown, secrets: Set<string>, stores: Set<string>): void {
  if (typeof parsed !== 'object' || parsed === null) return
  const {secret, outcome, target} = parsed as {secret?: unknown; outcome?: unknown; target?: unknown}
  if (outcome !== 'ok') return
  if (typeof secret === 'string' && secret !== '*') secrets.add(secret)
  if (typeof target === 'string' && target.includes(':')) stores.add(target.slice(0, target.indexOf(':')))
}

function looseHistory(bytes: Buffer, secrets: Set<string>, stores: Set<string>): void {
  try {
    looseHistoryOf(JSON.parse(bytes.toString('utf8')), secrets, stores)
  } catch {
    // a torn line
  }
}

const shared = new Map<string, LogIndex>()
const SHARED_LIMIT = 16

/**
 * The process's index of the log at `path` (absolute): one per process, so the planner's history,
 * the file store's check, the anchors and every secret's open intents share one read.
 */
/**
 * The hashes of the lines holding the entries `seqs` (a line's hash as LogIndex.hashAt gives it),
 * in one pass over the log that parses only what it needs: rotor writes `{"seq":N,` first, so a
 * line's seq is read from its first bytes (any other line is parsed). Changes no index. Checking
 * the anchors of a run against a long log then costs a scan for newlines, not a parse of every
 * entry and a map of every hash (176 MB and 10 s of CPU for a log of 100,000 created secrets).
 */
export async function hashesOf(path: string, seqs: ReadonlySet<number>): Promise<Map<number, string>> {
  const found = new Map<number, string>()
  if (seqs.size === 0) return found
  let fh
  try {
    fh = await open(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return found
    throw error
  }
  try {
    let rest: Buffer = Buffer.alloc(0)
    for await (const chunk of fh.createReadStream({autoClose: false, highWaterMark: 1 << 20})) {
      const buf = rest.length > 0 ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer)
      let start = 0
      let nl
      while ((nl = buf.indexOf(NEWLINE, start)) >= 0) {
        const line = buf.subarray(start, nl)
        const seq = seqOfLine(line)
        if (seq !== undefined && seqs.has(seq)) found.set(seq, hashLine(line))
        start = nl + 1
      }
      rest = Buffer.from(buf.subarray(start))
    }
  } finally {
    await fh.close()
  }
  return found
}

const SEQ_PREFIX = Buffer.from('{"seq":')

/** The seq of an entry's line: from its first bytes as rotor writes them, else by parsing it. */
function seqOfLine(line: Buffer): number | undefined {
  if (line.length > SEQ_PREFIX.length && line.subarray(0, SEQ_PREFIX.length).equals(SEQ_PREFIX)) {
    let seq = 0
    let i = SEQ_PREFIX.length
    for (; i < line.length && i < SEQ_PREFIX.length + 16; i++) {
      const c = line[i]
      if (c < 0x30 || c > 0x39) break
      seq = seq * 10 + (c - 0x30)
    }
    if (i > SEQ_PREFIX.length && line[i] === 0x2c) return seq
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(line.toString('utf8'))
  } catch {
    return undefined
  }
  const result = parseEntry(parsed)
  return 'entry' in result ? result.entry.seq : undefined
}

export function sharedLogIndex(path: string): LogIndex {
  let index = shared.get(path)
  if (!index) {
    if (shared.size >= SHARED_LIMIT) shared.delete(shared.keys().next().value!)
    index = new LogIndex(path, {save: true})
    shared.set(path, index)
  }
  return index
}
