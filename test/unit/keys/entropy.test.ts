import {describe, expect, it} from 'vitest'
import {
  DEFAULT_POLICY,
  describePolicy,
  minimumLength,
  policyEntropyBits,
  validatePolicy,
  type GeneratorPolicy,
} from '../../../src/keys/index.js'

const policy = (overrides: Partial<GeneratorPolicy>): GeneratorPolicy => ({...DEFAULT_POLICY, ...overrides})

describe('policyEntropyBits', () => {
  it('counts only the random part', () => {
    expect(policyEntropyBits(policy({length: 40}))).toBeCloseTo(238.2, 1)
    expect(policyEntropyBits(policy({length: 40, prefix: 'rk_live_', checksum: 'crc32'}))).toBeCloseTo(238.2, 1)
    expect(policyEntropyBits(policy({alphabet: 'hex', length: 32}))).toBe(128)
    expect(policyEntropyBits(policy({alphabet: 'base64url', length: 22}))).toBe(132)
    expect(policyEntropyBits(policy({alphabet: 'custom', characters: 'ab', length: 200}))).toBe(200)
  })

  it('finds the shortest length for a target, exact multiples included', () => {
    expect(minimumLength(128, 62)).toBe(22)
    expect(minimumLength(128, 16)).toBe(32)
    expect(minimumLength(128, 2)).toBe(128)
    expect(minimumLength(256, 62)).toBe(43)
  })
})

describe('validatePolicy', () => {
  it('accepts the default and common policies', () => {
    expect(validatePolicy(DEFAULT_POLICY)).toEqual([])
    expect(validatePolicy(policy({alphabet: 'hex', length: 32}))).toEqual([])
    expect(validatePolicy(policy({prefix: 'rk_live_', checksum: 'crc32', alphabet: 'alnum-symbols', length: 21}))).toEqual([])
  })

  it('rejects policies under 128 bits with the numbers and a length that works', () => {
    expect(validatePolicy(policy({length: 20}))).toEqual([
      'entropy 119.1 bits is below the minimum of 128 bits; use length >= 22 or a larger alphabet',
    ])
    expect(validatePolicy(policy({alphabet: 'hex', length: 31}))).toEqual([
      'entropy 124.0 bits is below the minimum of 128 bits; use length >= 32 or a larger alphabet',
    ])
  })

  it('uses a higher minEntropyBits', () => {
    expect(validatePolicy(policy({minEntropyBits: 256}))).toEqual([
      'entropy 238.2 bits is below the minimum of 256 bits; use length >= 43 or a larger alphabet',
    ])
  })

  it('never rounds a shortfall up to the minimum', () => {
    // 37 draws from 11 characters give 127.99897 bits.
    const [problem] = validatePolicy(policy({alphabet: 'custom', characters: '0123456789x', length: 37}))
    expect(problem).toContain('entropy 127.9 bits is below the minimum of 128 bits; use length >= 38')
  })

  it('suggests a larger alphabet when no allowed length is enough', () => {
    const [problem] = validatePolicy(policy({alphabet: 'custom', characters: 'ab', length: 100, minEntropyBits: 5000}))
    expect(problem).toBe('entropy 100.0 bits is below the minimum of 5000 bits; use a larger alphabet')
  })

  it('refuses a minEntropyBits below 128', () => {
    const problems = validatePolicy(policy({minEntropyBits: 100}))
    expect(problems).toEqual(['minEntropyBits is 100; it may not be below 128'])
  })

  it.each([0, 4097, 1.5, Number.NaN])('rejects length %s', (length) => {
    expect(validatePolicy(policy({length}))).toContainEqual(expect.stringContaining('length must be an integer from 1 to 4096'))
  })

  it('rejects bad prefixes', () => {
    expect(validatePolicy(policy({prefix: 'rk live'}))).toEqual(['prefix may only contain A-Z, a-z, 0-9, "_" and "-"'])
    expect(validatePolicy(policy({prefix: 'rk.'}))).toHaveLength(1)
    expect(validatePolicy(policy({prefix: 'p'.repeat(33)}))).toEqual(['prefix is 33 characters long; the maximum is 32'])
    expect(validatePolicy(policy({prefix: 'p'.repeat(32)}))).toEqual([])
  })

  it('rejects custom alphabets with duplicates, whitespace, control characters or too few characters', () => {
    const custom = (characters?: string) => validatePolicy(policy({alphabet: 'custom', characters, length: 200}))
    expect(custom('abcab')).toEqual(['custom characters contain duplicates: "a", "b"'])
    expect(custom('ab c')).toEqual(['custom characters must be printable ASCII without whitespace; found U+0020'])
    expect(custom('ab\u0007')).toEqual(['custom characters must be printable ASCII without whitespace; found U+0007'])
    expect(custom('aa')).toEqual([
      'custom characters contain duplicates: "a"',
      'custom characters must contain at least 2 distinct characters',
    ])
    expect(custom(undefined)).toEqual(['alphabet "custom" needs `characters` with at least 2 distinct characters'])
    expect(custom('ab')).toEqual([])
  })

  it('rejects characters given with a named alphabet, and unknown names from untyped config', () => {
    expect(validatePolicy(policy({characters: 'abc'}))).toEqual(['characters is only used with alphabet "custom", not "base62"'])
    const loose = {...DEFAULT_POLICY, alphabet: 'base36', checksum: 'md5'} as unknown as GeneratorPolicy
    expect(validatePolicy(loose)).toEqual([
      'checksum must be one of none, crc32, got "md5"',
      'alphabet must be one of base62, base64url, hex, alnum-symbols, custom, got "base36"',
    ])
  })
})

describe('describePolicy', () => {
  it('summarises the format without generating anything', () => {
    expect(describePolicy(policy({prefix: 'rk_live_', checksum: 'crc32'}))).toEqual({
      alphabet: 'base62',
      alphabetSize: 62,
      length: 40,
      prefix: 'rk_live_',
      checksum: 'crc32',
      entropyBits: 238.2,
      totalLength: 54,
      format: 'rk_live_ + 40×base62 + 6×base62 crc32',
    })
    expect(describePolicy(policy({alphabet: 'custom', characters: 'abc', length: 81})).format).toBe('81×custom(3)')
    expect(describePolicy(policy({alphabet: 'alnum-symbols'})).alphabetSize).toBe(70)
  })
})
