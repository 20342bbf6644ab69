import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it, vi} from 'vitest'
import {TickCache, tickCacheFile} from '../../../src/schedule/tick-cache.js'

const dir = mkdtempSync(join(tmpdir(), 'rotor-tick-cache-'))
afterAll(() => rmSync(dir, {recursive: true, force: true}))

/** cron-parser itself, as nextCronTick calls it without the cache. */
async function directTick(): Promise<(cron: string, timezone: string, after: number) => number> {
  const {CronExpressionParser} = await import('cron-parser')
  return (cron, timezone, after) => CronExpressionParser.parse(cron, {currentDate: new Date(after), tz: timezone}).next().toDate().getTime()
}

const HOUR = 3_600_000
const SCHEDULES: Array<[string, string]> = [
  ['0 3 * * 1', 'Europe/Berlin'],
  // 02:30 does not exist on the spring-forward night and happens twice in autumn.
  ['30 2 * * *', 'Europe/Berlin'],
  ['0 0 1 * *', 'UTC'],
  ['15 1,2 * * 0', 'America/New_York'],
  ['*/20 * * * *', 'Australia/Lord_Howe'],
  ['0 12 L * *', 'Asia/Kolkata'],
]

describe('tick cache', () => {
  it('answers every `since` inside a window as cron-parser does, across DST changes, before and after a reload', async () => {
    const direct = await directTick()
    const file = join(dir, 'equal.json')
    // Around the 2026 DST changes in Europe (29 Mar, 25 Oct) and the US (8 Mar, 1 Nov).
    const starts = ['2026-03-07T00:00:00Z', '2026-03-28T20:00:00Z', '2026-10-24T20:00:00Z', '2026-10-31T20:00:00Z', '2026-04-04T12:00:00Z'].map((s) => Date.parse(s))
    const cache = new TickCache(file, () => Date.parse('2026-11-15T00:00:00Z'))
    for (const [cron, tz] of SCHEDULES) for (const start of starts) expect(cache.compute(cron, tz, start, direct)).toBe(direct(cron, tz, start))
    cache.save()
    const reloaded = new TickCache(file, () => Date.parse('2026-11-15T00:00:00Z'))
    let answered = 0
    for (const [cron, tz] of SCHEDULES) {
      for (const start of starts) {
        for (let since = start; since < start + 40 * 24 * HOUR; since += 7 * HOUR + 13 * 60_000 + 17_000) {
          for (const source of [cache, reloaded]) {
            const hit = source.cached(cron, tz, since)
            if (hit === undefined) continue
            answered++
            expect(new Date(hit).toISOString(), `${cron} ${tz} after ${new Date(since).toISOString()}`).toBe(new Date(direct(cron, tz, since)).toISOString())
          }
        }
      }
    }
    expect(answered).toBeGreaterThan(500)
  })

  it('answers nothing outside its windows, for another schedule, or from a file of another build or a damaged one', async () => {
    const direct = await directTick()
    const file = join(dir, 'miss.json')
    const now = Date.parse('2026-06-01T00:00:00Z')
    const cache = new TickCache(file, () => now)
    const since = Date.parse('2026-05-01T10:00:00Z')
    cache.compute('0 3 * * 1', 'Europe/Berlin', since, direct)
    expect(cache.cached('0 3 * * 1', 'Europe/Berlin', since - 1)).toBeUndefined()
    expect(cache.cached('0 3 * * 1', 'Europe/Paris', since)).toBeUndefined()
    expect(cache.cached('0 3 * * 1', 'Europe/Berlin', now + 30 * 24 * HOUR)).toBeUndefined()
    expect(cache.cached('0 3 * * 1', 'Europe/Berlin', since)).toBe(direct('0 3 * * 1', 'Europe/Berlin', since))
    cache.save()
    const data = JSON.parse(readFileSync(file, 'utf8')) as {stamp: string; schedules: Record<string, Array<{from: number; ticks: number[]}>>}
    writeFileSync(file, JSON.stringify({...data, stamp: `${data.stamp}-other-build`}))
    expect(new TickCache(file, () => now).cached('0 3 * * 1', 'Europe/Berlin', since)).toBeUndefined()
    const [window] = Object.values(data.schedules)[0]
    writeFileSync(file, JSON.stringify({...data, schedules: {[Object.keys(data.schedules)[0]]: [{...window, ticks: [...window.ticks].reverse()}]}}))
    expect(window.ticks.length).toBeGreaterThan(1)
    expect(new TickCache(file, () => now).cached('0 3 * * 1', 'Europe/Berlin', since)).toBeUndefined()
    writeFileSync(file, '{not json')
    expect(new TickCache(file, () => now).cached('0 3 * * 1', 'Europe/Berlin', since)).toBeUndefined()
  })

  it('lives in the user folder, not the project', () => {
    expect(tickCacheFile({ROTOR_HOME: '/home/someone/.rotor-home'})).toBe('/home/someone/.rotor-home/cache/cron-ticks.json')
  })

  it('spares loading cron-parser once nextCronTick is answered from it', async () => {
    const home = join(dir, 'home')
    const file = tickCacheFile({ROTOR_HOME: home})
    // A window made with a stand-in for cron-parser, so that a hit is told from a computed tick.
    const since = Date.parse('2026-05-01T10:00:00Z')
    const planted = Date.parse('2026-05-04T01:00:00Z')
    const cache = new TickCache(file, () => since)
    cache.compute('0 3 * * 1', 'Europe/Berlin', since, () => planted)
    cache.save()
    // A fresh module: another file in the same worker may have loaded cron-parser already.
    vi.resetModules()
    const {cronParserLoaded, nextCronTick, useTickCache} = await import('../../../src/schedule/cron.js')
    useTickCache({ROTOR_HOME: home}, () => new Date(since))
    expect(nextCronTick('0 3 * * 1', 'Europe/Berlin', new Date(since)).getTime()).toBe(planted)
    expect(cronParserLoaded()).toBe(false)
    // A question outside the window goes to cron-parser.
    expect(nextCronTick('0 3 * * 1', 'Europe/Berlin', new Date(planted)).toISOString()).toBe('2026-05-11T01:00:00.000Z')
    expect(cronParserLoaded()).toBe(true)
  })
})
