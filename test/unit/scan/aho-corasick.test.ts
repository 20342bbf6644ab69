import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {AhoCorasick, ByteAhoCorasick} from '../../../src/scan/aho-corasick.js'

/** Every (pattern, start) pair found by the naive method, for comparison. */
function naive(patterns: string[], text: string): string[] {
  const found: string[] = []
  patterns.forEach((p, i) => {
    if (p.length === 0) return
    for (let at = text.indexOf(p); at !== -1; at = text.indexOf(p, at + 1)) found.push(`${i}@${at}`)
  })
  return found.sort()
}

describe('AhoCorasick', () => {
  it('finds overlapping and nested patterns with their offsets', () => {
    const ac = new AhoCorasick(['he', 'she', 'his', 'hers'])
    const found = [...ac.search('ushers')].map((m) => `${ac.patterns[m.pattern]}@${m.start}-${m.end}`)
    expect(found.sort()).toEqual(['he@2-4', 'hers@2-6', 'she@1-4'])
  })

  it('agrees with a naive search on random inputs', () => {
    fc.assert(
      fc.property(fc.array(fc.string({unit: fc.constantFrom('a', 'b', 'c'), maxLength: 5}), {maxLength: 8}), fc.string({unit: fc.constantFrom('a', 'b', 'c'), maxLength: 60}), (patterns, text) => {
        const ac = new AhoCorasick(patterns)
        expect([...ac.search(text)].map((m) => `${m.pattern}@${m.start}`).sort()).toEqual(naive(patterns, text))
      }),
    )
  })

  it('is empty without patterns and finds nothing', () => {
    const ac = new AhoCorasick([''])
    expect(ac.empty).toBe(true)
    expect([...ac.search('anything')]).toEqual([])
  })
})

describe('ByteAhoCorasick', () => {
  const bytes = (s: string) => Buffer.from(s, 'latin1')
  const found = (ac: ByteAhoCorasick, patterns: string[], text: string) =>
    ac.search(bytes(text)).map((m) => `${m.pattern}@${m.end - patterns[m.pattern].length}`).sort()

  it('finds overlapping and nested patterns, with dense rows for every state or only for the root', () => {
    const patterns = ['he', 'she', 'his', 'hers']
    for (const dense of [1, 2, 1000]) {
      expect(found(new ByteAhoCorasick(patterns.map(bytes), dense), patterns, 'ushers')).toEqual(['0@2', '1@1', '3@2'])
    }
  })

  it('agrees with a naive search on random inputs, whatever part of the automaton is dense', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({unit: fc.constantFrom('a', 'b', 'c', '\0', '\xff'), minLength: 1, maxLength: 6}), {maxLength: 10}),
        fc.string({unit: fc.constantFrom('a', 'b', 'c', '\0', '\xff'), maxLength: 80}),
        fc.integer({min: 1, max: 40}),
        (patterns, text, dense) => {
          const ac = new ByteAhoCorasick(patterns.map(bytes), dense)
          expect(found(ac, patterns, text)).toEqual(naive(patterns, text))
        },
      ),
    )
  })

  it('is empty without patterns', () => {
    const ac = new ByteAhoCorasick([])
    expect(ac.empty).toBe(true)
    expect(ac.search(bytes('anything'))).toEqual([])
  })
})
