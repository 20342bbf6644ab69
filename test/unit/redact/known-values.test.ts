import {describe, expect, it, vi} from 'vitest'
import {KnownValues} from '../../../src/redact/known-values.js'
import {AhoCorasick} from '../../../src/scan/aho-corasick.js'

/** A small alphabet, so that patterns overlap and hash collisions of near-equal windows are tried. */
function randomText(length: number, seed: {n: number}): string {
  let out = ''
  for (let i = 0; i < length; i++) {
    seed.n = (Math.imul(seed.n, 1103515245) + 12345) >>> 0
    out += 'abcab\u00e9\u{1F600}'.charAt(seed.n % 7)
  }
  return out
}

describe('KnownValues', () => {
  it('finds exactly what Aho-Corasick finds, overlapping matches included', () => {
    const seed = {n: 7}
    const patterns = [...new Set(Array.from({length: 300}, (_, i) => randomText(1 + (i % 9), seed)))]
    const known = new KnownValues()
    for (const p of patterns) known.add(p)
    const automaton = new AhoCorasick(patterns)
    for (let round = 0; round < 50; round++) {
      const text = randomText(round * 7, seed)
      const expected = [...automaton.search(text)].map((m) => `${m.start}:${m.end}`)
      const found = known.search(text).map((m) => `${m.start}:${m.end}`)
      expect(found.sort()).toEqual([...new Set(expected)].sort())
    }
  })

  it('finds values added after earlier searches', () => {
    const known = new KnownValues()
    expect(known.empty).toBe(true)
    known.add('secret-one-0123')
    expect(known.search('x secret-one-0123 y secret-two-4567')).toEqual([{start: 2, end: 17}])
    known.add('secret-two-4567')
    expect(known.search('x secret-one-0123 y secret-two-4567')).toHaveLength(2)
    expect(known.search('short')).toEqual([])
  })

  it('keeps only the values: their patterns are derived when added and again on a hash hit, and found at every length', () => {
    const formsOf = vi.fn((value: string) => [value, Buffer.from(value).toString('hex'), Buffer.from(value).toString('base64')])
    const known = new KnownValues(formsOf)
    const values = Array.from({length: 2000}, (_, i) => `value-number-${i}-0123456789`)
    for (const v of values) known.add(v)
    expect(formsOf).toHaveBeenCalledTimes(2000)
    expect(known.shortest).toBe('value-number-0-0123456789'.length)
    formsOf.mockClear()
    // No value in the text: no pattern is computed again (a 32-bit collision aside).
    expect(known.search('an ordinary log line, nothing known in it at all '.repeat(20))).toEqual([])
    expect(formsOf.mock.calls.length).toBeLessThanOrEqual(2)
    const v = values[1234]
    const hex = Buffer.from(v).toString('hex')
    const b64 = Buffer.from(v).toString('base64')
    const text = `plain ${v} hex ${hex} b64 ${b64}.`
    const found = known.search(text).sort((a, b) => a.start - b.start)
    expect(found).toEqual([
      {start: text.indexOf(v), end: text.indexOf(v) + v.length},
      {start: text.indexOf(hex), end: text.indexOf(hex) + hex.length},
      {start: text.indexOf(b64), end: text.indexOf(b64) + b64.length},
    ])
    // A window that hashes like a pattern but is not one is not a match.
    expect(known.search(v.slice(0, -1) + 'X')).toEqual([])
  })
})
