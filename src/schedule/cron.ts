import {createRequire} from 'node:module'
import type {CronExpressionParser} from 'cron-parser'
import type {SecretConfig} from '../config/types.js'
import {TickCache, tickCacheFile} from './tick-cache.js'

type Parser = typeof CronExpressionParser
let parser: Parser | undefined

/**
 * cron-parser, loaded on first use: with luxon it is ~150 kB to evaluate, which a command whose
 * ticks all come from the tick cache (or whose config has no cron schedule) never needs. The
 * callers are synchronous (the planner is pure), so `require`: the bundle (esbuild) turns this
 * call into the lazy start of its bundled copy; tsc's ES module output has no `require` and
 * takes the package from node_modules with createRequire.
 */
export function cronParser(): Parser {
  if (!parser) {
    const library = (
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      typeof require === 'function' ? require('cron-parser') : createRequire(import.meta.url)('cron-parser')
    ) as typeof import('cron-parser')
    parser = library.CronExpressionParser
  }
  return parser
}

/** Whether cron-parser has been loaded in this process (tests of the tick cache). */
export const cronParserLoaded = (): boolean => parser !== undefined

let cache: TickCache | undefined

/**
 * Answers from the tick cache (src/schedule/tick-cache.ts) from here on, and writes what it learnt
 * when the process exits. `rotor status` turns it on; without it every tick comes from cron-parser.
 */
export function useTickCache(env: NodeJS.ProcessEnv, now: () => Date): void {
  if (cache) return
  const opened = new TickCache(tickCacheFile(env), () => now().getTime())
  cache = opened
  process.once('exit', () => opened.save())
}

const directTick = (cron: string, timezone: string, after: number): number =>
  cronParser().parse(cron, {currentDate: new Date(after), tz: timezone}).next().toDate().getTime()

/**
 * The first cron tick strictly after `after`, in the schedule's time zone. cron-parser resolves
 * DST gaps by moving a skipped wall time forward and runs an ambiguous wall time once.
 */
export function nextCronTick(cron: string, timezone: string, after: Date): Date {
  const at = after.getTime()
  if (!cache) return new Date(directTick(cron, timezone, at))
  return new Date(cache.cached(cron, timezone, at) ?? cache.compute(cron, timezone, at, directTick))
}

export interface DueInfo {
  /** When the current version becomes due; undefined when the secret has no schedule at all. */
  dueAt?: Date
  reason?: 'schedule' | 'max-age'
}

export interface TickSource {
  nextTick(cron: string, timezone: string, since: Date): Date
}

const direct: TickSource = {nextTick: nextCronTick}

/** When a version made current at `since` is due for rotation: the earlier of cron and max age. */
export function rotationDue(secret: Pick<SecretConfig, 'schedule' | 'maxAgeMs'>, since: Date, ticks: TickSource = direct): DueInfo {
  let due: DueInfo = {}
  if (secret.schedule) due = {dueAt: ticks.nextTick(secret.schedule.cron, secret.schedule.timezone, since), reason: 'schedule'}
  if (secret.maxAgeMs !== undefined) {
    const byAge = new Date(since.getTime() + secret.maxAgeMs)
    if (!due.dueAt || byAge < due.dueAt) due = {dueAt: byAge, reason: 'max-age'}
  }
  return due
}
