import * as zlib from 'node:zlib'
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {
  ALPHABETS,
  BASE62,
  CHECKSUM_LENGTH,
  appendChecksum,
  crc32,
  encodeChecksum,
  generateKey,
  looksLikeRotorKey,
  verifyChecksum,
  type GeneratorPolicy,
} from '../../../src/keys/index.js'

// Every character a prefix or a named alphabet can put in a body (prefix `-` and `_` included).
const BODY_CHARS = [...ALPHABETS['alnum-symbols']]

/** A body as a key would have it: prefix characters and alphabet characters. */
const body = fc.string({unit: fc.constantFrom(...BODY_CHARS), maxLength: 80})

function substitute(text: string, index: number, replacement: string): string {
  return text.slice(0, index) + replacement + text.slice(index + 1)
}

describe('crc32', () => {
  it('matches the standard check value and zlib', () => {
    expect(crc32('123456789')).toBe(0xcbf43926)
    expect(crc32('')).toBe(0)
    const zlibCrc = (zlib as {crc32?: (data: string) => number}).crc32
    if (zlibCrc) {
      fc.assert(fc.property(fc.string({unit: 'binary'}), (text) => crc32(text) === zlibCrc(text)))
    }
  })

  it('encodes every 32-bit value in six base62 characters', () => {
    expect(62 ** CHECKSUM_LENGTH).toBeGreaterThan(2 ** 32)
    expect(encodeChecksum(0)).toBe('000000')
    expect(encodeChecksum(61)).toBe('00000z')
    expect(encodeChecksum(0xffffffff)).toBe('4gfFC3')
  })
})

describe('appendChecksum / verifyChecksum', () => {
  it('verifies whatever it appended to', () => {
    fc.assert(fc.property(fc.string({unit: 'binary'}), (text) => verifyChecksum(appendChecksum(text))))
  })

  it('fails after any single-character substitution', () => {
    fc.assert(
      fc.property(body, fc.nat(), fc.nat(), (text, at, pick) => {
        const key = appendChecksum(text)
        const index = at % key.length
        const pool = index < text.length ? BODY_CHARS : [...BASE62]
        const choices = pool.filter((c) => c !== key[index])
        const changed = substitute(key, index, choices[pick % choices.length])
        return !verifyChecksum(changed)
      }),
      {numRuns: 500},
    )
  })

  it('fails for every single substitution of one real key, exhaustively', () => {
    const key = appendChecksum('rk_live_' + 'aZ09'.repeat(10))
    let tried = 0
    for (let i = 0; i < key.length; i++) {
      for (const c of BODY_CHARS) {
        if (c === key[i]) continue
        tried++
        expect(verifyChecksum(substitute(key, i, c))).toBe(false)
      }
    }
    expect(tried).toBe(key.length * (BODY_CHARS.length - 1))
  })

  it('rejects short input, non-base62 digits and values above 2^32 - 1', () => {
    expect(verifyChecksum('abc')).toBe(false)
    expect(verifyChecksum('body' + '0000-0')).toBe(false)
    expect(verifyChecksum('zzzzzz')).toBe(false)
    expect(verifyChecksum(encodeChecksum(0))).toBe(true)
  })
})

describe('looksLikeRotorKey', () => {
  const policies: GeneratorPolicy[] = [
    {length: 40, alphabet: 'base62', prefix: 'rk_live_', checksum: 'crc32', minEntropyBits: 128},
    {length: 32, alphabet: 'hex', prefix: '', checksum: 'crc32', minEntropyBits: 128},
    {length: 22, alphabet: 'base64url', prefix: 'svc-', checksum: 'crc32', minEntropyBits: 128},
    {length: 30, alphabet: 'alnum-symbols', prefix: 'x_', checksum: 'crc32', minEntropyBits: 128},
    {length: 24, alphabet: 'base62', prefix: 'plain_', checksum: 'none', minEntropyBits: 128},
  ]
  const policy = fc.constantFrom(...policies)

  it('recognises generated keys', () => {
    fc.assert(fc.property(policy, (p) => looksLikeRotorKey(generateKey(p).value, p)), {numRuns: 200})
  })

  it('rejects random text of the same length', () => {
    fc.assert(
      fc.property(policy, fc.string({unit: 'binary-ascii', minLength: 60, maxLength: 60}), (p, text) => {
        const sameLength = text.slice(0, generateKey(p).value.length)
        return !looksLikeRotorKey(sameLength, p)
      }),
    )
  })

  it('rejects same-shaped text whose checksum was not computed (crc32 policies)', () => {
    // Right prefix, alphabet and length, random checksum digits: matches with chance 2^-32.
    const checksummed = policy.filter((p) => p.checksum === 'crc32')
    const digits = fc.string({unit: fc.constantFrom(...BASE62), minLength: 6, maxLength: 6})
    fc.assert(
      fc.property(checksummed, digits, (p, checksum) => {
        const real = generateKey(p).value
        const forged = real.slice(0, -CHECKSUM_LENGTH) + checksum
        return forged === real || !looksLikeRotorKey(forged, p)
      }),
    )
  })

  it('checks prefix, length and alphabet, which is all it has without a checksum', () => {
    const p = policies[4]
    const key = generateKey(p).value
    expect(looksLikeRotorKey(key, p)).toBe(true)
    expect(looksLikeRotorKey('other_' + key.slice(6), p)).toBe(false)
    expect(looksLikeRotorKey(key + 'a', p)).toBe(false)
    expect(looksLikeRotorKey(substitute(key, 10, '-'), p)).toBe(false)
  })
})
