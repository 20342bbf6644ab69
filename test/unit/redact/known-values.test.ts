import {describe, expect, it} from 'vitest'
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
})
