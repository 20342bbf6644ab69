import {randomFillSync} from 'node:crypto'

/** Bytes fetched from the CSPRNG per refill; one syscall covers a few hundred 40-char keys. */
const BATCH_BYTES = 4096

/**
 * `n` uniformly distributed integers in `[0, alphabetSize)`, from Node's CSPRNG.
 *
 * Each index comes from one random byte. Bytes at or above the largest multiple of
 * `alphabetSize` that fits in 256 are rejected, so `byte % alphabetSize` carries no modulo
 * bias (for base62, 248..255 are thrown away: 3% of draws).
 */
export function randomIndices(n: number, alphabetSize: number): Uint8Array {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`count must be a non-negative integer, got ${n}`)
  if (!Number.isInteger(alphabetSize) || alphabetSize < 2 || alphabetSize > 256) {
    throw new RangeError(`alphabet size must be an integer from 2 to 256, got ${alphabetSize}`)
  }
  const limit = 256 - (256 % alphabetSize)
  const out = new Uint8Array(n)
  const batch = new Uint8Array(Math.min(BATCH_BYTES, Math.ceil((n * 256) / limit) + 16))
  let filled = 0
  while (filled < n) {
    randomFillSync(batch)
    for (let i = 0; i < batch.length && filled < n; i++) {
      const byte = batch[i]
      if (byte < limit) out[filled++] = byte % alphabetSize
    }
  }
  batch.fill(0)
  return out
}

/** `length` characters drawn uniformly and independently from `characters`. */
export function randomString(length: number, characters: string): string {
  const chars = [...characters]
  const indices = randomIndices(length, chars.length)
  let value = ''
  for (const i of indices) value += chars[i]
  indices.fill(0)
  return value
}
