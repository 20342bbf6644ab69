import {describe, expect, it, vi} from 'vitest'
import * as cron from '../../../src/schedule/cron.js'
import {TickIndex} from '../../../src/schedule/ticks.js'

describe('TickIndex', () => {
  it('answers a since a little after now from its window, as the direct call would', () => {
    const now = new Date('2027-03-01T12:00:00.000Z')
    const index = new TickIndex(now)
    const schedule = ['0 3 * * *', 'Europe/Berlin'] as const
    // Enough questions for the schedule to get a window.
    for (let i = 0; i < 20; i++) index.nextTick(...schedule, new Date(now.getTime() - 86_400_000 * (i + 1)))
    const direct = vi.spyOn(cron, 'nextCronTick')
    const sinces = [0, 1, 60_000, 13 * 3_600_000].map((ms) => new Date(now.getTime() + ms))
    const answers = sinces.map((since) => index.nextTick(...schedule, since).toISOString())
    // Every `since` before the next tick (03:00 Berlin the next day) comes from the window.
    expect(direct).not.toHaveBeenCalled()
    direct.mockRestore()
    expect(answers).toEqual(sinces.map((since) => cron.nextCronTick(...schedule, since).toISOString()))
    // After that tick: the direct call.
    const later = new Date('2027-03-02T05:00:00.000Z')
    expect(index.nextTick(...schedule, later).toISOString()).toBe(cron.nextCronTick(...schedule, later).toISOString())
  })
})
