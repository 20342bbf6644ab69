/**
 * One matcher over all known values (Aho-Corasick, linear in the text) plus the key formats of
 * the configured generator policies. It reports where a secret appears and which one, never the
 * value itself.
 */
import type {SecretConfig} from '../config/types.js'
import type {Role} from '../../providers/types.js'
import {AhoCorasick} from './aho-corasick.js'
import {FormatMatcher} from './formats.js'
import type {KnownValue, ValueSite} from './values.js'

export type LeakKind = 'value' | 'format'

/** A place in a file; `commit` for history scans. */
export interface Location {
  file: string
  line: number
  column: number
  commit?: string
}

export interface Leak extends Location {
  kind: LeakKind
  /** For `value`: the secret whose version this is; for `format`: the first secret with that format. */
  secret: string
  /** `unknown` for a format-only match: a rotor key whose value rotor cannot read (destroyed, another store, foreign). */
  role: Role | 'unknown'
  versionId?: string
  target?: string
  /** Every secret the match belongs to (a value shared by secrets, or a format shared by policies). */
  secrets: string[]
  length: number
}

export interface TextHit {
  start: number
  end: number
  kind: LeakKind
  sites: ValueSite[]
  formatSecrets: string[]
}

export class LeakMatcher {
  private readonly values: AhoCorasick
  private readonly formats: FormatMatcher<string>

  constructor(
    private readonly known: KnownValue[],
    secrets: SecretConfig[],
  ) {
    this.values = new AhoCorasick(known.map((k) => k.value.reveal()))
    this.formats = new FormatMatcher(secrets.map((s) => ({policy: s.generator, tag: s.name})))
  }

  get empty(): boolean {
    return this.values.empty && this.formats.empty
  }

  /** Every hit in `text`; a format match that is also a known value is reported once, as the value. */
  hits(text: string): TextHit[] {
    const hits: TextHit[] = []
    if (!this.values.empty) {
      for (const m of this.values.search(text)) {
        hits.push({start: m.start, end: m.end, kind: 'value', sites: this.known[m.pattern].sites, formatSecrets: []})
      }
    }
    if (!this.formats.empty) {
      for (const m of this.formats.find(text)) {
        if (hits.some((h) => h.kind === 'value' && h.start < m.end && m.start < h.end)) continue
        hits.push({start: m.start, end: m.end, kind: 'format', sites: [], formatSecrets: m.tags})
      }
    }
    return hits.sort((a, b) => a.start - b.start)
  }

  /** Leaks in one file's text, with 1-based line and column. */
  scanText(text: string, file: string, commit?: string, lineOffset = 0): Leak[] {
    const hits = this.hits(text)
    if (hits.length === 0) return []
    const lines = lineStarts(text)
    return hits.map((hit) => {
      const line = lineOf(lines, hit.start)
      return toLeak(hit, {file, line: line + 1 + lineOffset, column: hit.start - lines[line] + 1, ...(commit ? {commit} : {})})
    })
  }
}

function toLeak(hit: TextHit, where: Location): Leak {
  if (hit.kind === 'format') {
    return {...where, kind: 'format', secret: hit.formatSecrets[0], role: 'unknown', secrets: hit.formatSecrets, length: hit.end - hit.start}
  }
  const best = hit.sites[0]
  return {
    ...where,
    kind: 'value',
    secret: best.secret,
    role: best.role,
    versionId: best.versionId,
    target: best.target,
    secrets: [...new Set(hit.sites.map((s) => s.secret))],
    length: hit.end - hit.start,
  }
}

function lineStarts(text: string): number[] {
  const starts = [0]
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1)
  return starts
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0
  let hi = starts.length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (starts[mid] <= offset) lo = mid
    else hi = mid - 1
  }
  return lo
}
