import {describe, expect, it} from 'vitest'
import type {NotifyConfig} from '../../../src/config/types.js'
import {upcomingNotices} from '../../../src/notify/upcoming.js'
import {DAY, inventory, promoted, secret} from '../plan/fixtures.js'

const hook = (days: number, events: NotifyConfig['events'] = ['upcoming']): NotifyConfig => ({
  url: 'https://example.com/hook',
  events,
  format: 'json',
  signatureHeader: 'X-Rotor-Signature',
  upcomingWithinMs: days * DAY,
  timeoutMs: 1000,
})

describe('upcomingNotices', () => {
  // Promoted 2026-03-01, maxAge 30d: due 2026-03-31.
  const s = secret({maxAgeMs: 30 * DAY})
  const snap = promoted('api', '2026-03-01T00:00:00Z', DAY, false)
  const inv = inventory([[s, [snap]]])

  it('announces a rotation due within a webhook\'s window, once per webhook and due time', () => {
    const config = {notify: [hook(7), hook(1), hook(30, ['rotated'])]}
    expect(upcomingNotices(config, [s], inv, new Date('2026-03-20T00:00:00Z'))).toEqual([])
    const week = upcomingNotices(config, [s], inv, new Date('2026-03-25T00:00:00Z'))
    expect(week).toEqual([expect.objectContaining({hooks: [0], record: '2026-03-31T00:00:00.000Z 0'})])
    snap.meta.upcomingNotified = week[0].record
    expect(upcomingNotices(config, [s], inv, new Date('2026-03-26T00:00:00Z'))).toEqual([])
    const day = upcomingNotices(config, [s], inv, new Date('2026-03-30T12:00:00Z'))
    expect(day).toEqual([expect.objectContaining({hooks: [1], record: '2026-03-31T00:00:00.000Z 0,1'})])
  })

  it('starts over for a new due time, and skips secrets this run changed', () => {
    snap.meta.upcomingNotified = '2026-02-01T00:00:00.000Z 0'
    const config = {notify: [hook(7)]}
    expect(upcomingNotices(config, [s], inv, new Date('2026-03-25T00:00:00Z'))).toHaveLength(1)
    expect(upcomingNotices(config, [s], inv, new Date('2026-03-25T00:00:00Z'), new Set(['api']))).toEqual([])
    expect(upcomingNotices({notify: []}, [s], inv, new Date('2026-03-25T00:00:00Z'))).toEqual([])
  })
})
