import {open} from 'node:fs/promises'
import type {AuditEntry} from './types.js'
import {GENESIS_HASH, hashLine, macFor, parseEntry, serializeEntry} from './entry.js'
import {anchorProblem, locateAuditKey} from './log.js'
import {keyIdOf, keySource} from './key.js'
import {anchorIsFor} from './anchor.js'
import type {Anchor, AnchorCheck, AuditProblem, AuditVerifyResult} from './types.js'

export interface VerifyOptions {
  /**
   * The chain's HMAC key; by default the log's key (ROTOR_AUDIT_KEY, ROTOR_AUDIT_KEY_FILE, its file
   * in rotorUserDir()). Null: none, so keyed entries are reported as unverifiable.
   */
  key?: Uint8Array | null
  /** Where the key was looked for, for the message when it is missing. */
  keySource?: string
  /** Anchors read from the stores' metadata, and `--expect-head`. */
  anchors?: Anchor[]
}

const NEWLINE = 0x0a

interface Seen {
  line: number
  seq: number
  hash: string
}

/**
 * Reads the whole audit log at `path` and checks its hash chain and sequence numbers. Reports,
 * with 1-based line numbers (0 for the file as a whole):
 * - a changed entry: its hash no longer matches the `prev` of the entry after it;
 * - removed entries: a gap in `seq` (and a `prev` that does not match);
 * - reordered or duplicated entries: `seq` not increasing, `prev` not matching;
 * - entries removed from the start: the first `prev` is not 64 zeros or the first `seq` is not 1;
 * - malformed lines (not JSON, not an entry, not in the exact form rotor writes) and an
 *   incomplete last line (no trailing newline).
 *
 * A missing file is a problem ("audit log not found"); an empty file is a valid log with no entries.
 *
 * The chain cannot tell that entries were deleted from the END of the file, nor that the last
 * entry was rewritten consistently: nothing after them records their hash. `head` (the hash of
 * the last line) is returned so it can be recorded somewhere the log's writer cannot change
 * (a ticket, a CI log, another store); comparing a later run's chain against that recorded head
 * (it must appear as some entry's hash, i.e. as the `prev` of a later entry or the new head)
 * is what detects a cut tail.
 */
export async function verifyAuditLog(path: string, options: VerifyOptions = {}): Promise<AuditVerifyResult> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
      const anchors = checkAnchors(options.anchors ?? [], 0, new Map())
      return {
        ok: false,
        entries: 0,
        keyed: 0,
        problems: [{line: 0, message: `audit log not found: ${path}`}, ...anchorProblems(anchors)],
        anchors,
      }
    }
    throw e
  }

  if (options.key === undefined) {
    const found = await locateAuditKey(path)
    options = {...options, key: found?.key ?? null, keySource: options.keySource ?? found?.source ?? keySource(path)}
  }
  // Anchors another log wrote (another runner's) are listed, not checked against this one.
  const keyId = options.key ? keyIdOf(options.key) : undefined
  const others = (options.anchors ?? []).filter((a) => !anchorIsFor(a, keyId)).map((a): AnchorCheck => ({...a, ok: true, otherLog: true}))
  options = {...options, anchors: (options.anchors ?? []).filter((a) => anchorIsFor(a, keyId))}
  const v = new Verifier(options)
  try {
    let rest: Buffer = Buffer.alloc(0)
    for await (const chunk of fh.createReadStream({autoClose: false})) {
      let buf = rest.length > 0 ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer)
      let nl
      while ((nl = buf.indexOf(NEWLINE)) >= 0) {
        v.line(buf.subarray(0, nl), true)
        buf = buf.subarray(nl + 1)
      }
      rest = Buffer.from(buf)
    }
    if (rest.length > 0) v.line(rest, false)
  } finally {
    await fh.close()
  }
  const result = v.result()
  return {...result, anchors: [...result.anchors, ...others]}
}

function checkAnchors(anchors: Anchor[], lastSeq: number, hashes: Map<number, string>): AnchorCheck[] {
  return anchors.map((anchor) => {
    const problem = anchorProblem(anchor, lastSeq, hashes.get(anchor.seq))
    return problem ? {...anchor, ok: false, problem} : {...anchor, ok: true}
  })
}

const anchorProblems = (checks: AnchorCheck[]): AuditProblem[] => checks.filter((c) => !c.ok).map((c) => ({line: 0, message: c.problem!}))

class Verifier {
  private keyed = 0
  private lastSeq?: number
  private readonly hashes = new Map<number, string>()
  private missingKeyReported = false

  constructor(private readonly options: VerifyOptions) {}

  private lineNo = 0
  private entries = 0
  private readonly problems: AuditProblem[] = []
  private lastLineHash?: string
  private prevEntry?: Seen
  /** Damaged lines since prevEntry (or since the start). */
  private damaged = 0

  line(bytes: Buffer, terminated: boolean): void {
    const lineNo = ++this.lineNo
    const hash = hashLine(bytes)
    try {
      this.check(bytes, hash, lineNo, terminated)
    } finally {
      this.lastLineHash = hash
    }
  }

  result(): AuditVerifyResult {
    // "entry changed" is found while reading the line after it; report in file order.
    const anchors = checkAnchors(this.options.anchors ?? [], this.lastSeq ?? 0, this.hashes)
    const problems = [...this.problems, ...anchorProblems(anchors)].sort((a, b) => a.line - b.line)
    return {
      ok: problems.length === 0,
      entries: this.entries,
      keyed: this.keyed,
      problems,
      head: this.lastLineHash,
      ...(this.lastSeq === undefined ? {} : {lastSeq: this.lastSeq}),
      anchors,
    }
  }

  private problem(line: number, message: string, seq?: number): void {
    this.problems.push(seq === undefined ? {line, message} : {line, seq, message})
  }

  private check(bytes: Buffer, hash: string, lineNo: number, terminated: boolean): void {
    if (!terminated) {
      this.problem(lineNo, 'the last line is incomplete (no trailing newline): truncated or interrupted write')
      this.damaged++
      return
    }
    if (bytes.length === 0) {
      this.problem(lineNo, 'empty line')
      this.damaged++
      return
    }
    const text = bytes.toString('utf8')
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      this.problem(lineNo, 'malformed line: not valid JSON')
      this.damaged++
      return
    }
    const result = parseEntry(parsed)
    if (!('entry' in result)) {
      const seq = (parsed as {seq?: unknown} | null)?.seq
      this.problem(lineNo, `malformed entry: ${result.error}`, typeof seq === 'number' ? seq : undefined)
      this.damaged++
      return
    }

    const entry = result.entry
    this.entries++
    if (serializeEntry(entry) !== text) {
      this.problem(lineNo, 'entry is not in the exact form rotor writes (edited by hand?)', entry.seq)
    }
    this.checkLink(entry.seq, entry.prev, lineNo)
    this.checkMac(entry, lineNo)
    this.hashes.set(entry.seq, hash)
    this.lastSeq = entry.seq
    this.prevEntry = {line: lineNo, seq: entry.seq, hash}
    this.damaged = 0
  }

  /** Keyed entries must verify under the key; once a log is keyed, an unkeyed entry is an insertion. */
  private checkMac(entry: AuditEntry, lineNo: number): void {
    if (entry.mac === undefined) {
      if (this.keyed > 0) {
        this.problem(lineNo, 'unkeyed entry after keyed entries: written or rebuilt by something without the audit key', entry.seq)
      }
      return
    }
    this.keyed++
    const {key} = this.options
    if (!key) {
      if (!this.missingKeyReported) {
        this.missingKeyReported = true
        this.problem(lineNo, `the log is keyed but the audit key (${this.options.keySource ?? 'ROTOR_AUDIT_KEY'}) is not available: its HMACs cannot be checked`, entry.seq)
      }
      return
    }
    if (macFor(entry, key) !== entry.mac) {
      this.problem(lineNo, 'HMAC does not verify under the audit key: the entry was changed or the chain rebuilt without the key', entry.seq)
    }
  }

  private checkLink(seq: number, prev: string, lineNo: number): void {
    const before = this.prevEntry
    // After damaged lines the entry may link to the damaged line or, if those were inserted, to
    // the entry before them; the damage itself is already reported.
    const linked =
      prev === (this.lastLineHash ?? GENESIS_HASH) ||
      (this.damaged > 0 && prev === (before ? before.hash : GENESIS_HASH))
    const mismatch = linked ? '' : '; its prev does not match the hash of the line before it'

    if (!before) {
      if (seq - 1 > this.damaged) {
        this.problem(lineNo, `the first entry has seq ${seq}, expected 1: entries missing from the start${mismatch}`, seq)
      } else if (!linked) {
        this.problem(
          lineNo,
          "the first entry's prev is not the genesis hash (64 zeros): entries before it were removed or it was changed",
          seq,
        )
      }
      return
    }

    const gap = seq - before.seq - 1
    if (gap < 0) {
      this.problem(
        lineNo,
        `seq ${seq} does not follow seq ${before.seq} (line ${before.line}): entries reordered or duplicated${mismatch}`,
        seq,
      )
    } else if (gap > this.damaged) {
      const n = gap - this.damaged
      this.problem(
        lineNo,
        `seq jumps from ${before.seq} (line ${before.line}) to ${seq}: ${n} ${n === 1 ? 'entry' : 'entries'} ` +
          `removed or out of order${mismatch}`,
        seq,
      )
    } else if (!linked && this.damaged === 0) {
      this.problem(
        before.line,
        `entry changed: its hash does not match the prev recorded by the next entry (line ${lineNo}, seq ${seq})` +
          ', or that prev was altered',
        before.seq,
      )
    }
  }
}
