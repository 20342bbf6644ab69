/**
 * One matcher over all known values and their encoded forms (byte Aho-Corasick, one pass,
 * linear in the content) plus the key formats of the configured generator policies. It works on
 * the bytes of a file or blob, so nothing is decoded unless something is found; it reports where
 * a secret appears, which one and in which encoding, never the value itself.
 */
import type {SecretConfig} from '../config/types.js'
import type {Role} from '../../providers/types.js'
import {ByteAhoCorasick} from './aho-corasick.js'
import {type Encoding, encodedForms} from './encodings.js'
import {FormatMatcher} from './formats.js'
import type {KnownValue, ValueSite} from './values.js'

export type LeakKind = 'value' | 'format'

/** How the scanned content was read: UTF-8 text, UTF-16 text (transcoded), or raw bytes. */
export type Charset = 'utf8' | 'utf16le' | 'utf16be' | 'bytes'

/** A place in a file; `commit` for history scans. */
export interface Location {
  file: string
  line: number
  column: number
  commit?: string
}

export interface Leak extends Location {
  kind: LeakKind
  /** The form the value had where it was found (`plain` for a format match). */
  encoding: Encoding
  /** For `value`: the secret whose version this is; for `format`: the first secret with that format. */
  secret: string
  /** `unknown` for a format-only match: a rotor key whose value rotor cannot read (destroyed, another store, foreign). */
  role: Role | 'unknown'
  versionId?: string
  target?: string
  /** Every secret the match belongs to (a value shared by secrets, or a format shared by policies). */
  secrets: string[]
  /** In UTF-16 code units of the decoded text, as `column`. */
  length: number
  /** The field of a structured value that was found on its own (`password`); absent for the whole value. */
  field?: string
}

/** A match in bytes: [start, end) byte offsets. */
export interface ByteHit {
  start: number
  end: number
  kind: LeakKind
  encoding: Encoding
  sites: ValueSite[]
  formatSecrets: string[]
}

interface PatternLabel {
  known: number
  encoding: Encoding
}

export class LeakMatcher {
  private readonly values: ByteAhoCorasick
  private readonly labels: PatternLabel[] = []
  private readonly formats: FormatMatcher<string>

  constructor(
    private readonly known: KnownValue[],
    secrets: SecretConfig[],
  ) {
    const patterns: Buffer[] = []
    const seen = new Set<string>()
    const forms = known.map((k) => encodedForms(k.value.reveal()))
    // Plain forms first: a value that equals another value's encoded form is reported as itself.
    for (const plainFirst of [true, false]) {
      forms.forEach((list, index) => {
        for (const form of list) {
          if ((form.encoding === 'plain') !== plainFirst) continue
          const key = form.bytes.toString('latin1')
          if (seen.has(key)) continue
          seen.add(key)
          patterns.push(form.bytes)
          this.labels.push({known: index, encoding: form.encoding})
        }
      })
    }
    this.values = new ByteAhoCorasick(patterns)
    this.formats = new FormatMatcher(secrets.map((s) => ({policy: s.generator, tag: s.name})))
  }

  get empty(): boolean {
    return this.values.empty && this.formats.empty
  }

  /** Every hit in `bytes`; a format match that is also a known value is reported once, as the value. */
  hits(bytes: Buffer): ByteHit[] {
    const hits: ByteHit[] = []
    if (!this.values.empty) {
      const found = this.values.search(bytes).map((m) => ({m, start: m.end - this.values.lengths[m.pattern], label: this.labels[m.pattern]}))
      found.sort((a, b) => a.start - b.start)
      let last: (typeof found)[number] | undefined
      for (const hit of found) {
        if (last && last.label.known === hit.label.known && hit.start < last.m.end) {
          // Two forms of one value in the same bytes: ASCII text in UTF-16LE also matches the
          // UTF-16BE form one byte off (and the other way round). Text is aligned on even
          // offsets; otherwise the longer form wins.
          if (!preferred(hit, last)) continue
          hits.pop()
        }
        hits.push({start: hit.start, end: hit.m.end, kind: 'value', encoding: hit.label.encoding, sites: this.known[hit.label.known].sites, formatSecrets: []})
        last = hit
      }
    }
    if (!this.formats.empty) {
      for (const m of this.formats.findInBytes(bytes)) {
        if (hits.some((h) => h.kind === 'value' && h.start < m.end && m.start < h.end)) continue
        hits.push({start: m.start, end: m.end, kind: 'format', encoding: 'plain', sites: [], formatSecrets: m.tags})
      }
    }
    return hits.sort((a, b) => a.start - b.start)
  }

  /**
   * Leaks in one file's content, with 1-based line and column (UTF-16 code units of the decoded
   * line). UTF-16 content must be transcoded to UTF-8 first; a plain match in it is reported
   * with the file's encoding.
   */
  scan(bytes: Buffer, where: {file: string; commit?: string}, charset: Charset = 'utf8'): Leak[] {
    const hits = this.hits(bytes)
    if (hits.length === 0) return []
    const leaks: Leak[] = []
    let line = 1
    let lineStart = 0
    for (const hit of hits) {
      for (let nl = bytes.indexOf(10, lineStart); nl !== -1 && nl < hit.start; nl = bytes.indexOf(10, lineStart)) {
        line++
        lineStart = nl + 1
      }
      const column = bytes.toString('utf8', lineStart, hit.start).length + 1
      const length = bytes.toString('utf8', hit.start, hit.end).length
      const encoding = hit.encoding === 'plain' && (charset === 'utf16le' || charset === 'utf16be') ? charset : hit.encoding
      leaks.push(toLeak(hit, {file: where.file, line, column, ...(where.commit ? {commit: where.commit} : {})}, encoding, length))
    }
    return leaks
  }
}

const UTF16: ReadonlySet<Encoding> = new Set(['utf16le', 'utf16be'])

function preferred(hit: {start: number; m: {end: number}; label: PatternLabel}, over: {start: number; m: {end: number}; label: PatternLabel}): boolean {
  if (UTF16.has(hit.label.encoding) && UTF16.has(over.label.encoding)) return hit.start % 2 === 0 && over.start % 2 !== 0
  return hit.m.end - hit.start > over.m.end - over.start
}

function toLeak(hit: ByteHit, where: Location, encoding: Encoding, length: number): Leak {
  if (hit.kind === 'format') {
    return {...where, kind: 'format', encoding, secret: hit.formatSecrets[0], role: 'unknown', secrets: hit.formatSecrets, length}
  }
  const best = hit.sites[0]
  return {
    ...where,
    kind: 'value',
    encoding,
    secret: best.secret,
    role: best.role,
    versionId: best.versionId,
    target: best.target,
    secrets: [...new Set(hit.sites.map((s) => s.secret))],
    length,
    ...(best.field ? {field: best.field} : {}),
  }
}
