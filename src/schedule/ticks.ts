/**
 * Fast answers to "first cron tick after `since`" for many secrets sharing a schedule.
 *
 * cron-parser takes ~0.1-0.5 ms per parse or step (more with a time zone), far too slow to call
 * per secret when planning 100,000 of them. For each schedule asked about often, this keeps every
 * tick in a window ending at `now` (found once by stepping backwards) and the first tick after
 * `now`; any `since` inside the window is then a binary search. Ticks come from cron-parser
 * itself, so DST handling is identical to the direct call, which remains the fallback for a
 * `since` older than the window or after the first tick after `now`.
 */
import {cronParser, nextCronTick} from './cron.js'

const MAX_WINDOW_TICKS = 256
const MAX_LOOKBACK_MS = 400 * 86_400_000
/** Below this many questions about one schedule, direct calls are cheaper than a window. */
const INDEX_AFTER_QUERIES = 16

interface Window {
  /** Ascending; every tick in [start, now]. */
  ticks: number[]
  start: number
  nextAfterNow: number
}

export class TickIndex {
  private readonly windows = new Map<string, Window>()
  private readonly queries = new Map<string, number>()

  constructor(readonly now: Date) {}

  nextTick(cron: string, timezone: string, since: Date): Date {
    const key = `${timezone}\u0000${cron}`
    const sinceMs = since.getTime()
    const window = this.window(key, cron, timezone)
    if (!window || sinceMs < window.start) return nextCronTick(cron, timezone, since)
    if (sinceMs >= this.now.getTime()) {
      // A `since` a little after `now` (a version made by a runner whose clock is ahead, or by a
      // run that ended after this one began): no tick lies between `now` and the next one.
      return sinceMs < window.nextAfterNow ? new Date(window.nextAfterNow) : nextCronTick(cron, timezone, since)
    }
    const {ticks} = window
    let lo = 0
    let hi = ticks.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (ticks[mid] <= sinceMs) lo = mid + 1
      else hi = mid
    }
    return new Date(lo < ticks.length ? ticks[lo] : window.nextAfterNow)
  }

  private window(key: string, cron: string, timezone: string): Window | undefined {
    const existing = this.windows.get(key)
    if (existing) return existing
    const asked = (this.queries.get(key) ?? 0) + 1
    this.queries.set(key, asked)
    if (asked < INDEX_AFTER_QUERIES) return undefined
    const nowMs = this.now.getTime()
    const nextAfterNow = nextCronTick(cron, timezone, this.now).getTime()
    // Step back from just after now, so a tick exactly at `now` is included.
    const expression = cronParser().parse(cron, {currentDate: new Date(nowMs + 1), tz: timezone})
    const descending: number[] = []
    let start = nowMs - MAX_LOOKBACK_MS
    while (descending.length < MAX_WINDOW_TICKS) {
      const tick = expression.prev().getTime()
      if (tick < start) break
      descending.push(tick)
    }
    // A full window ends at its oldest tick: we know nothing about what lies before it.
    if (descending.length === MAX_WINDOW_TICKS) start = descending[descending.length - 1]
    const window = {ticks: descending.reverse(), start, nextAfterNow}
    this.windows.set(key, window)
    return window
  }
}
