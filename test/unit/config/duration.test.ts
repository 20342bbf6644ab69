import {describe, expect, it} from 'vitest'
import {formatDuration, parseDuration} from '../../../src/config/index.js'

const S = 1000
const M = 60 * S
const H = 60 * M
const D = 24 * H

describe('parseDuration', () => {
  it.each([
    ['45s', 45 * S],
    ['90m', 90 * M],
    ['24h', 24 * H],
    ['30d', 30 * D],
    ['2w', 14 * D],
    ['1h30m', 90 * M],
    ['1d 2h', 26 * H],
    ['500ms', 500],
    ['PT1H', H],
    ['P30D', 30 * D],
    ['P1DT12H', 36 * H],
    ['P2W', 14 * D],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms)
  })

  it.each([
    ['soon', 'expected a duration like 24h or 30d, got "soon"'],
    ['0', 'add a unit'],
    ['0h', 'longer than zero'],
    ['-1h', 'cannot be negative'],
    ['1.5h', 'whole numbers'],
    ['3mo', 'months and years have no fixed length'],
    ['1y', 'months and years have no fixed length'],
    ['30m1h', 'got "30m1h"'],
    ['P', 'got "P"'],
    ['PT', 'got "PT"'],
    ['', 'empty'],
    ['99999999d', 'longer than the maximum'],
  ])('rejects %j', (text, fragment) => {
    expect(() => parseDuration(text)).toThrow(fragment)
  })
})

describe('formatDuration', () => {
  it.each([
    [26 * H, '1d 2h'],
    [D + 2 * H + 3 * M + 4 * S, '1d 2h 3m 4s'],
    [14 * D, '14d'],
    [90 * M, '1h 30m'],
    [1500, '1s 500ms'],
    [0, '0s'],
  ])('formats %d as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })

  it('round-trips through parseDuration', () => {
    for (const ms of [45 * S, 26 * H, 30 * D, D + 2 * H + 3 * M + 4 * S]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms)
    }
  })
})
