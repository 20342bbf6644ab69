import {describe, expect, it} from 'vitest'
import {parseTimeFlag} from '../../../src/cli/time-flag.js'
import {UsageError} from '../../../src/errors/index.js'

const NOW = new Date('2026-03-01T00:00:00Z')

describe('parseTimeFlag', () => {
  it('reads ISO 8601 and times relative to now', () => {
    expect(parseTimeFlag('at', '2026-12-01T03:00:00Z', NOW).toISOString()).toBe('2026-12-01T03:00:00.000Z')
    expect(parseTimeFlag('at', '+7d', NOW).toISOString()).toBe('2026-03-08T00:00:00.000Z')
    expect(parseTimeFlag('at', '-1h', NOW).toISOString()).toBe('2026-02-28T23:00:00.000Z')
    expect(parseTimeFlag('at', '+1h30m', NOW).toISOString()).toBe('2026-03-01T01:30:00.000Z')
  })

  it('names the flag and the bad text', () => {
    expect(() => parseTimeFlag('at', '+7', NOW)).toThrow(UsageError)
    expect(() => parseTimeFlag('at', 'next monday', NOW)).toThrow('--at: "next monday" is not a time')
  })
})
