import {describe, expect, it} from 'vitest'
import type {NotifyConfig} from '../../../src/config/types.js'
import {addUpcoming, inTimeOrder, type UpcomingEvent, upcomingNotices} from '../../../src/notify/upcoming.js'
import {observeSecret} from '../../../src/plan/observe.js'
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

describe('addUpcoming', () => {
  // Promoted 2026-03-01 with a day of grace for the previous version; maxAge 30d: due 2026-03-31.
  const now = new Date('2026-03-01T12:00:00Z')
  const facts = (name: string, maxAgeMs: number, previous = true) => {
    const s = secret({name, maxAgeMs, targets: [{store: 'local', path: name}]})
    return observeSecret(s, inventory([[s, [promoted(name, '2026-03-01T00:00:00Z', DAY, previous)]]]).get(name)!, now)
  }
  const until = (days: number) => now.getTime() + days * DAY

  it('adds a secret\'s rotation and grace end within the window, from the facts it is handed', () => {
    const events: UpcomingEvent[] = []
    addUpcoming(events, 'api', facts('api', 30 * DAY), now, until(40))
    expect(events).toEqual([
      {at: new Date('2026-03-31T00:00:00Z'), secret: 'api', event: 'rotation', reason: 'max-age'},
      {at: new Date('2026-03-02T00:00:00Z'), secret: 'api', event: 'grace-end', version: '1'},
    ])
    // Outside the window, or no previous version: nothing.
    const none: UpcomingEvent[] = []
    addUpcoming(none, 'api', facts('api', 30 * DAY), now, until(0.25))
    addUpcoming(none, 'solo', facts('solo', 30 * DAY, false), now, until(10))
    expect(none).toEqual([])
    // A rotation already due is listed (the next run does it); a grace end already past is not.
    const late: UpcomingEvent[] = []
    addUpcoming(late, 'old', facts('old', 0.25 * DAY), new Date('2026-03-03T00:00:00Z'), until(5))
    expect(late.map((e) => e.event)).toEqual(['rotation'])
  })

  it('sorts by time, then by secret', () => {
    const events: UpcomingEvent[] = []
    for (const name of ['b', 'a']) addUpcoming(events, name, facts(name, 30 * DAY), now, until(40))
    expect(inTimeOrder(events).map((e) => `${e.at.toISOString()} ${e.secret} ${e.event}`)).toEqual([
      '2026-03-02T00:00:00.000Z a grace-end',
      '2026-03-02T00:00:00.000Z b grace-end',
      '2026-03-31T00:00:00.000Z a rotation',
      '2026-03-31T00:00:00.000Z b rotation',
    ])
  })
})
