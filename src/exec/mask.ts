/**
 * Masks known values in a byte stream, as `op run` does for a child's output. Works on bytes so a
 * value split across chunks (or inside a multi-byte character boundary) is still found: only the
 * tail that could be the start of a value is held back, everything before it is written at once,
 * so a prompt without a newline still shows.
 */
import {Transform, type TransformCallback} from 'node:stream'
import {MIN_REDACTED_LENGTH, REDACTED} from '../redact/index.js'

export class ValueMasker extends Transform {
  private readonly needles: Buffer[]
  private readonly replacement = Buffer.from(REDACTED)
  private pending = Buffer.alloc(0)

  constructor(values: Iterable<string>) {
    super()
    const unique = [...new Set([...values].filter((v) => v.length >= MIN_REDACTED_LENGTH))]
    // Longest first, so a value that contains another is masked whole.
    this.needles = unique.map((v) => Buffer.from(v, 'utf8')).sort((a, b) => b.length - a.length)
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    const data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk
    const keep = this.heldBack(data)
    this.pending = Buffer.from(data.subarray(data.length - keep))
    const ready = data.subarray(0, data.length - keep)
    if (ready.length > 0) this.push(this.mask(ready))
    done()
  }

  override _flush(done: TransformCallback): void {
    if (this.pending.length > 0) this.push(this.mask(this.pending))
    this.pending = Buffer.alloc(0)
    done()
  }

  /** `data` with every whole value replaced. */
  mask(data: Buffer): Buffer {
    if (this.needles.length === 0) return data
    const parts: Buffer[] = []
    let at = 0
    let scan = 0
    while (scan < data.length) {
      let hit: Buffer | undefined
      let hitAt = Infinity
      for (const needle of this.needles) {
        const index = data.indexOf(needle, scan)
        if (index >= 0 && index < hitAt) {
          hitAt = index
          hit = needle
        }
      }
      if (!hit) break
      parts.push(data.subarray(at, hitAt), this.replacement)
      at = hitAt + hit.length
      scan = at
    }
    if (at === 0) return data
    parts.push(data.subarray(at))
    return Buffer.concat(parts)
  }

  /**
   * How many bytes at the end of `data` must wait for the next chunk: the longest tail that is a
   * proper prefix of some value, and that is not already the end of a whole value.
   */
  private heldBack(data: Buffer): number {
    let keep = 0
    for (const needle of this.needles) {
      const longest = Math.min(needle.length - 1, data.length)
      for (let size = longest; size > keep; size--) {
        const start = data.length - size
        if (data[start] !== needle[0]) continue
        if (data.subarray(start).equals(needle.subarray(0, size))) {
          keep = size
          break
        }
      }
    }
    // Never split a value that is complete inside `data`: mask() finds it whole next time.
    return this.extendOverMatch(data, keep)
  }

  /** When the held tail starts inside a whole value, hold back from the value's start (repeatedly). */
  private extendOverMatch(data: Buffer, keep: number): number {
    let cut = data.length - keep
    for (let moved = keep > 0; moved; ) {
      moved = false
      for (const needle of this.needles) {
        for (let index = data.indexOf(needle, Math.max(0, cut - needle.length + 1)); index >= 0 && index < cut; index = data.indexOf(needle, index + 1)) {
          if (index + needle.length > cut) {
            cut = index
            moved = true
          }
        }
      }
    }
    return data.length - cut
  }
}
