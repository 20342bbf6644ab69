import {describe, expect, it} from 'vitest'
import {cronIntervalMs, rotationIntervalMs} from '../../../src/config/index.js'

const M = 60 * 1000
const H = 60 * M
const D = 24 * H

describe('cronIntervalMs', () => {
  it.each([
    ['*/5 * * * *', 'UTC', 5 * M],
    ['30 * * * * *', 'UTC', M],
    ['0 3 * * *', 'UTC', D],
    ['0 3 * * 1', 'UTC', 7 * D],
    // The spring-forward day is 23 hours long.
    ['0 3 * * *', 'Europe/Berlin', 23 * H],
    ['0 3 * * 1', 'Europe/Berlin', 7 * D - H],
    ['0 0 1 * *', 'UTC', 28 * D],
    // Only a leap year has Feb 29 -> Mar 29.
    ['0 0 29 * *', 'UTC', 29 * D],
    ['0 0 1 1 *', 'UTC', 365 * D],
  ])('%s in %s', (cron, timezone, expected) => {
    expect(cronIntervalMs({cron, timezone})).toBe(expected)
  })

  it('throws on an invalid expression', () => {
    expect(() => cronIntervalMs({cron: '0 25 * * *', timezone: 'UTC'})).toThrow()
  })
})

describe('rotationIntervalMs', () => {
  it('is the smaller of maxAge and the cron interval', () => {
    const weekly = {cron: '0 3 * * 1', timezone: 'UTC'}
    expect(rotationIntervalMs({schedule: weekly, maxAgeMs: 30 * D})).toBe(7 * D)
    expect(rotationIntervalMs({schedule: weekly, maxAgeMs: 2 * D})).toBe(2 * D)
    expect(rotationIntervalMs({maxAgeMs: 2 * D})).toBe(2 * D)
    expect(rotationIntervalMs({})).toBeUndefined()
  })
})
