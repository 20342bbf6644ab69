/**
 * What a file's bytes are, for scan: UTF-8 text, UTF-16 text (which looks binary: every other
 * byte of ASCII text is NUL), or something else. UTF-16 is transcoded and scanned as text, so
 * every encoded form is found in it too; binary and non-UTF-8 content is still searched byte by
 * byte (a value stored plainly in a database file or a latin1 file is found), but reported as
 * not fully scanned: compression or another encoding can hide a value there.
 */
import {isUtf8} from 'node:buffer'
import type {Charset} from './matcher.js'

export type ContentKind = 'utf8' | 'utf16le' | 'utf16be' | 'binary' | 'not-utf8'

/** Git's rule: a NUL byte in the first 8 KiB means binary. */
const SNIFF_BYTES = 8192

export function classify(bytes: Buffer): ContentKind {
  if (bytes.length >= 2 && bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf16le'
  if (bytes.length >= 2 && bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf16be'
  const sample = bytes.subarray(0, SNIFF_BYTES)
  if (!sample.includes(0)) return isUtf8(bytes) ? 'utf8' : 'not-utf8'
  return utf16WithoutBom(sample) ?? 'binary'
}

/**
 * UTF-16 without a byte-order mark, as Windows tools write it: NULs at odd offsets (LE) or even
 * offsets (BE) in a third of the code units or more, and almost none on the other side.
 */
function utf16WithoutBom(sample: Buffer): 'utf16le' | 'utf16be' | undefined {
  const units = sample.length >> 1
  if (units < 2) return undefined
  let even = 0
  let odd = 0
  for (let i = 0; i + 1 < sample.length; i += 2) {
    if (sample[i] === 0) even++
    if (sample[i + 1] === 0) odd++
  }
  if (odd >= units * 0.3 && even <= units * 0.02) return 'utf16le'
  if (even >= units * 0.3 && odd <= units * 0.02) return 'utf16be'
  return undefined
}

export interface Readable {
  bytes: Buffer
  charset: Charset
  /** Why the content was not read as text, when it was not. */
  notText?: 'binary' | 'not UTF-8'
}

/** The bytes to scan: UTF-16 transcoded to UTF-8; anything else as it is. */
export function readable(bytes: Buffer): Readable {
  const kind = classify(bytes)
  if (kind === 'utf16le' || kind === 'utf16be') {
    return {bytes: Buffer.from(new TextDecoder(kind === 'utf16le' ? 'utf-16le' : 'utf-16be').decode(bytes), 'utf8'), charset: kind}
  }
  if (kind === 'utf8') return {bytes, charset: 'utf8'}
  return {bytes, charset: 'bytes', notText: kind === 'binary' ? 'binary' : 'not UTF-8'}
}
