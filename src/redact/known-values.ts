/**
 * The redactor's set of known values, searched with one rolling hash per distinct pattern length
 * (Rabin-Karp). Adding a value costs its length, once: a run that registers a new value between
 * every two log lines (apply over a whole fleet) never rebuilds anything, and the memory is the
 * patterns themselves. A search costs the text's length times the number of distinct lengths no
 * longer than the text, plus one comparison per hash hit.
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
  byHash: Map<number, string[]>
}

export class KnownValues {
  private readonly buckets = new Map<number, LengthBucket>()
  /** Distinct lengths, ascending: a search stops at the text's length. */
  private lengths: number[] = []
  private size = 0

  get empty(): boolean {
    return this.size === 0
  }

  /** Adds `pattern` (callers add each one once). */
  add(pattern: string): void {
    if (pattern.length === 0) return
    let bucket = this.buckets.get(pattern.length)
    if (!bucket) {
      bucket = {top: power(pattern.length - 1), byHash: new Map()}
      this.buckets.set(pattern.length, bucket)
      this.lengths = [...this.buckets.keys()].sort((a, b) => a - b)
    }
    const h = hashOf(pattern, 0, pattern.length)
    const list = bucket.byHash.get(h)
    if (list) list.push(pattern)
    else bucket.byHash.set(h, [pattern])
    this.size += 1
  }

  /** Every occurrence of every pattern in `text`, overlapping ones included, in no set order. */
  search(text: string): KnownMatch[] {
    const matches: KnownMatch[] = []
    for (const length of this.lengths) {
      if (length > text.length) break
      const {top, byHash} = this.buckets.get(length)!
      let h = hashOf(text, 0, length)
      for (let start = 0; ; start++) {
        const candidates = byHash.get(h)
        if (candidates) {
          for (const pattern of candidates) {
            if (text.startsWith(pattern, start)) {
              matches.push({start, end: start + length})
              break
            }
          }
        }
        const end = start + length
        if (end >= text.length) break
        // Drop text[start], take text[end].
        h = (Math.imul((h - Math.imul(text.charCodeAt(start), top)) | 0, BASE) + text.charCodeAt(end)) | 0
      }
    }
    return matches
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
