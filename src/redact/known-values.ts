/**
 * The redactor's set of known values, searched with one rolling hash per distinct pattern length
 * (Rabin-Karp). Adding a value costs the length of its patterns, once: a run that registers a new
 * value between every two log lines (apply over a whole fleet) never rebuilds anything. A search
 * costs the text's length times the number of distinct lengths no longer than the text, plus one
 * comparison per hash hit.
 *
 * A value stands for several patterns (itself and its encoded forms: `formsOf`). Only the value is
 * kept; each pattern is one hash -> value number entry, and a hash hit compares the text with the
 * patterns of the values it names, computed again then. A hit is a value actually in the text or
 * a 32-bit hash collision, both rare, while keeping every pattern cost ~2 kB a value (some ten
 * strings, a set entry and an array each): 200 MB of heap for the 100,000 values `apply` mints
 * creating a 100k fleet.
 */

/** Multiplier of the polynomial hash (mod 2^32). */
const BASE = 0x01000193

export interface KnownMatch {
  start: number
  /** Exclusive. */
  end: number
}

interface LengthBucket {
  /** BASE^(length-1) mod 2^32: what the character leaving the window weighs. */
  top: number
  /** Hash of a pattern of this length -> the value (its number) or values that have it. */
  byHash: Map<number, number | number[]>
}

export class KnownValues {
  private readonly buckets = new Map<number, LengthBucket>()
  /** Distinct lengths, ascending: a search stops at the text's length. */
  private lengths: number[] = []
  private readonly values: string[] = []
  /** The patterns of the value compared last (a text holding a value hits it at several lengths). */
  private last?: {id: number; patterns: string[]}
  private shortestPattern = Infinity

  /** `formsOf(value)`: every pattern that stands for `value`, itself included (default: just itself). */
  constructor(private readonly formsOf: (value: string) => string[] = (value) => [value]) {}

  get empty(): boolean {
    return this.values.length === 0
  }

  /** The length of the shortest pattern (Infinity when there is none). */
  get shortest(): number {
    return this.shortestPattern
  }

  /** Adds `value` and its patterns (callers add each value once). */
  add(value: string): void {
    const patterns = this.formsOf(value).filter((p) => p.length > 0)
    if (patterns.length === 0) return
    const id = this.values.length
    this.values.push(value)
    for (const pattern of patterns) {
      let bucket = this.buckets.get(pattern.length)
      if (!bucket) {
        bucket = {top: power(pattern.length - 1), byHash: new Map()}
        this.buckets.set(pattern.length, bucket)
        this.lengths = [...this.buckets.keys()].sort((a, b) => a - b)
      }
      const h = hashOf(pattern, 0, pattern.length)
      const ids = bucket.byHash.get(h)
      if (ids === undefined) bucket.byHash.set(h, id)
      else if (typeof ids === 'number') {
        if (ids !== id) bucket.byHash.set(h, [ids, id])
      } else if (!ids.includes(id)) ids.push(id)
      this.shortestPattern = Math.min(this.shortestPattern, pattern.length)
    }
  }

  /** Every occurrence of every pattern in `text`, overlapping ones included, in no set order. */
  search(text: string): KnownMatch[] {
    const matches: KnownMatch[] = []
    for (const length of this.lengths) {
      if (length > text.length) break
      const {top, byHash} = this.buckets.get(length)!
      let h = hashOf(text, 0, length)
      for (let start = 0; ; start++) {
        const ids = byHash.get(h)
        if (ids !== undefined && this.occursAt(text, start, length, ids)) matches.push({start, end: start + length})
        const end = start + length
        if (end >= text.length) break
        // Drop text[start], take text[end].
        h = (Math.imul((h - Math.imul(text.charCodeAt(start), top)) | 0, BASE) + text.charCodeAt(end)) | 0
      }
    }
    return matches
  }

  /** Whether a pattern of `length` characters of one of the values `ids` is at `start` of `text`. */
  private occursAt(text: string, start: number, length: number, ids: number | number[]): boolean {
    for (const id of typeof ids === 'number' ? [ids] : ids) {
      for (const pattern of this.patternsOf(id)) if (pattern.length === length && text.startsWith(pattern, start)) return true
    }
    return false
  }

  private patternsOf(id: number): string[] {
    if (this.last?.id !== id) this.last = {id, patterns: this.formsOf(this.values[id])}
    return this.last.patterns
  }
}

function hashOf(text: string, start: number, length: number): number {
  let h = 0
  for (let i = start; i < start + length; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0
  return h
}

function power(exponent: number): number {
  let p = 1
  for (let i = 0; i < exponent; i++) p = Math.imul(p, BASE)
  return p
}
