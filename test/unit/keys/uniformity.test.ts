import {randomBytes} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {ALPHABETS, generateKey, randomIndices, type GeneratorPolicy} from '../../../src/keys/index.js'
import {chiSquareCritical, chiSquareUniform, countIndices} from './chi-square.js'

// Each uniformity test has a 0.1% false-alarm rate by construction (significance 0.001).

/** Character counts over `keys` keys of 4096 random characters each (4096 is the maximum length). */
function characterCounts(policy: Omit<GeneratorPolicy, 'length'>, characters: string, keys: number): Uint32Array {
  const position = new Map([...characters].map((c, i) => [c, i]))
  const counts = new Uint32Array(characters.length)
  for (let n = 0; n < keys; n++) {
    const {value} = generateKey({...policy, length: 4096})
    for (const c of value) counts[position.get(c)!]++
  }
  return counts
}

describe('uniformity (chi-square, significance 0.001)', () => {
  it('Wilson–Hilferty gives the tabulated critical values', () => {
    expect(chiSquareCritical(61)).toBeCloseTo(100.9, 0)
    expect(chiSquareCritical(36)).toBeCloseTo(67.99, 0)
  })

  it('base62 keys are uniform over 102,400 characters', () => {
    const policy = {alphabet: 'base62', prefix: '', checksum: 'none', minEntropyBits: 128} as const
    const counts = characterCounts(policy, ALPHABETS.base62, 25)
    expect(counts.reduce((a, b) => a + b, 0)).toBe(102_400)
    expect(chiSquareUniform(counts)).toBeLessThan(chiSquareCritical(61))
  })

  it('a 37-character custom alphabet, where byte % 37 would be biased, is uniform', () => {
    // 256 = 6 * 37 + 34: without rejection, indices 0..33 would come up 7/6 as often as the rest.
    const characters = '0123456789abcdefghijklmnopqrstuvwxyz_'
    const policy = {alphabet: 'custom', characters, prefix: '', checksum: 'none', minEntropyBits: 128} as const
    const counts = characterCounts(policy, characters, 25)
    expect(chiSquareUniform(counts)).toBeLessThan(chiSquareCritical(36))
  })

  it('randomIndices is uniform for 61 and for 129 (half of all bytes rejected)', () => {
    for (const k of [61, 129]) {
      const counts = countIndices(randomIndices(200_000, k), k)
      expect(chiSquareUniform(counts)).toBeLessThan(chiSquareCritical(k - 1))
    }
  })

  it('the same test rejects byte % 62, so it can fail', () => {
    // 256 = 4 * 62 + 8: indices 0..7 have probability 5/256, the other 54 have 4/256. Over N
    // samples the statistic's mean is about 61 + N * 62 * sum((p_i - 1/62)^2) = 61 + 0.00659 N,
    // about 13,245 for N = 2,000,000 with a standard deviation near 230: more than 100 times the
    // critical value of 100.96, so this never passes by chance.
    const bytes = randomBytes(2_000_000)
    const counts = new Uint32Array(62)
    for (const byte of bytes) counts[byte % 62]++
    const statistic = chiSquareUniform(counts)
    expect(statistic).toBeGreaterThan(chiSquareCritical(61))
    expect(statistic).toBeGreaterThan(10_000)
  })

  it('rejects alphabet sizes it cannot serve from one byte', () => {
    expect(() => randomIndices(10, 1)).toThrow(RangeError)
    expect(() => randomIndices(10, 257)).toThrow(RangeError)
    expect(() => randomIndices(-1, 62)).toThrow(RangeError)
    expect(randomIndices(0, 62)).toHaveLength(0)
  })
})
