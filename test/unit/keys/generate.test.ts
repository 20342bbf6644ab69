import {describe, expect, it, vi} from 'vitest'
import {ALPHABETS, DEFAULT_POLICY, generateKey, verifyChecksum, type GeneratorPolicy} from '../../../src/keys/index.js'
import {isRotorError, type RotorError} from '../../../src/errors/index.js'

const live: GeneratorPolicy = {length: 40, alphabet: 'base62', prefix: 'rk_live_', checksum: 'crc32', minEntropyBits: 128}

describe('generateKey', () => {
  it('puts the prefix first, then length random characters, then the checksum', () => {
    const {value, entropyBits} = generateKey(live)
    expect(value).toHaveLength(8 + 40 + 6)
    expect(value.startsWith('rk_live_')).toBe(true)
    expect(value.slice(8, 48)).toMatch(/^[0-9A-Za-z]{40}$/)
    expect(verifyChecksum(value)).toBe(true)
    expect(entropyBits).toBeCloseTo(238.2, 1)
  })

  it.each(['base62', 'base64url', 'hex', 'alnum-symbols'] as const)('draws only from %s', (alphabet) => {
    const policy = {...DEFAULT_POLICY, alphabet, length: 64}
    const allowed = new Set(ALPHABETS[alphabet])
    const {value} = generateKey(policy)
    expect(value).toHaveLength(64)
    expect([...value].every((c) => allowed.has(c))).toBe(true)
  })

  it('uses custom characters', () => {
    const {value} = generateKey({...DEFAULT_POLICY, alphabet: 'custom', characters: 'xyz', length: 81})
    expect(value).toMatch(/^[xyz]{81}$/)
  })

  it('does not repeat itself', () => {
    const values = new Set(Array.from({length: 1000}, () => generateKey(live).value))
    expect(values.size).toBe(1000)
  })

  it('draws again while avoid rejects the candidate', () => {
    const seen: string[] = []
    const avoid = vi.fn((candidate: string) => {
      seen.push(candidate)
      return seen.length <= 3
    })
    const {value} = generateKey(live, {avoid})
    expect(avoid).toHaveBeenCalledTimes(4)
    expect(value).toBe(seen[3])
    expect(seen.slice(0, 3)).not.toContain(value)
    expect(seen.every((candidate) => verifyChecksum(candidate))).toBe(true)
  })

  it('gives up after maxAttempts without putting candidates in the error', () => {
    const seen: string[] = []
    const avoid = (candidate: string) => {
      seen.push(candidate)
      return true
    }
    let error: unknown
    try {
      generateKey(live, {avoid, maxAttempts: 3})
    } catch (caught) {
      error = caught
    }
    expect(isRotorError(error)).toBe(true)
    expect((error as RotorError).message).toBe('no acceptable key after 3 attempts: every candidate was rejected')
    expect(seen).toHaveLength(3)
    for (const candidate of seen) expect(JSON.stringify(error)).not.toContain(candidate)
  })

  it('tries 10 times by default', () => {
    const avoid = vi.fn(() => true)
    expect(() => generateKey(live, {avoid})).toThrow(/after 10 attempts/)
    expect(avoid).toHaveBeenCalledTimes(10)
  })

  it('refuses an invalid policy or maxAttempts', () => {
    expect(() => generateKey({...live, length: 20})).toThrow(/entropy 119\.1 bits is below the minimum of 128 bits/)
    expect(() => generateKey(live, {maxAttempts: 0})).toThrow(RangeError)
  })
})
