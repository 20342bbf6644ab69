import {describe, expect, it} from 'vitest'
import {appendChecksum} from '../../../src/keys/checksum.js'
import {generateKey} from '../../../src/keys/generate.js'
import {DEFAULT_POLICY, type GeneratorPolicy} from '../../../src/keys/types.js'
import {FormatMatcher} from '../../../src/scan/formats.js'

const policy: GeneratorPolicy = {...DEFAULT_POLICY, prefix: 'rk_live_', checksum: 'crc32'}

/** Flip one character of the random part, keeping the alphabet: the checksum no longer matches. */
function corrupt(key: string): string {
  const i = policy.prefix.length + 3
  return key.slice(0, i) + (key[i] === 'a' ? 'b' : 'a') + key.slice(i + 1)
}

describe('FormatMatcher', () => {
  it('finds keys of a crc32 policy by format and ignores look-alikes with a bad checksum', () => {
    const key = generateKey(policy).value
    const matcher = new FormatMatcher([{policy, tag: 'payments'}])
    const text = `a: ${key}\nb: ${corrupt(key)}\nc: "${key}"`
    const found = matcher.find(text)
    expect(found.map((f) => text.slice(f.start, f.end))).toEqual([key, key])
    expect(found[0].tags).toEqual(['payments'])
  })

  it('ignores policies without a checksum (the format alone proves nothing)', () => {
    const plain = {...DEFAULT_POLICY}
    const matcher = new FormatMatcher([{policy: plain, tag: 'x'}])
    expect(matcher.empty).toBe(true)
    expect(matcher.find(generateKey(plain).value)).toEqual([])
  })

  it('does not match a key glued inside a longer token', () => {
    const noPrefix = {...DEFAULT_POLICY, checksum: 'crc32' as const}
    const key = generateKey(noPrefix).value
    const matcher = new FormatMatcher([{policy: noPrefix, tag: 'x'}])
    expect(matcher.find(`X${key}`)).toEqual([])
    expect(matcher.find(`KEY=${key};`)).toHaveLength(1)
  })

  it('merges policies of the same shape, tagging every secret', () => {
    const key = appendChecksum(`rk_live_${'A'.repeat(40)}`)
    const matcher = new FormatMatcher([
      {policy, tag: 'a'},
      {policy, tag: 'b'},
    ])
    expect(matcher.find(key)[0].tags).toEqual(['a', 'b'])
  })
})
