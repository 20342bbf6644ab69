import {BASE62} from './alphabets.js'

/** Characters a CRC-32 takes in a key: 62^6 ≈ 5.7e10 covers every 32-bit value. */
export const CHECKSUM_LENGTH = 6

const CRC_TABLE = buildCrcTable()

/**
 * CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as in zlib, PNG and gzip, over the
 * UTF-8 bytes of `text`. Implemented here because `zlib.crc32` only exists from Node 20.15.
 */
export function crc32(text: string | Uint8Array): number {
  const bytes = typeof text === 'string' ? Buffer.from(text, 'utf8') : text
  let crc = 0xffffffff
  for (const byte of bytes) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8)
  return (crc ^ 0xffffffff) >>> 0
}

/** A 32-bit value as exactly six base62 digits, most significant first, zero-padded. */
export function encodeChecksum(value: number): string {
  let rest = value >>> 0
  let digits = ''
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    digits = BASE62[rest % 62] + digits
    rest = Math.floor(rest / 62)
  }
  return digits
}

/** `body` (prefix plus random part) followed by its checksum. */
export function appendChecksum(body: string): string {
  return body + encodeChecksum(crc32(body))
}

/**
 * True when the last six characters are the checksum of everything before them. Any single
 * changed character fails: CRC-32 catches every error burst up to 32 bits in the body, and the
 * base62 encoding is one-to-one, so a changed checksum digit decodes to a different value.
 */
export function verifyChecksum(key: string): boolean {
  if (key.length < CHECKSUM_LENGTH) return false
  const body = key.slice(0, -CHECKSUM_LENGTH)
  const expected = decodeChecksum(key.slice(-CHECKSUM_LENGTH))
  return expected !== undefined && expected === crc32(body)
}

function decodeChecksum(digits: string): number | undefined {
  let value = 0
  for (const c of digits) {
    const digit = BASE62.indexOf(c)
    if (digit < 0) return undefined
    value = value * 62 + digit
  }
  return value <= 0xffffffff ? value : undefined
}

function buildCrcTable(): Uint32Array {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
}
