/**
 * Cron schedules: validation with cron-parser, and the rotation interval that bounds the grace
 * window. The interval is measured, not guessed from the fields: the smallest gap between
 * consecutive runs over a sample that crosses both DST changes of the schedule's time zone.
 */
import {CronExpressionParser} from 'cron-parser'
import type {ScheduleConfig, SecretConfig} from './types.js'
import {didYouMean} from './suggest.js'

/**
 * Fixed so the same file always yields the same interval, whatever the date today. A leap year,
 * so schedules on the 29th of a month see their shortest gap (Feb 29 -> Mar 29).
 */
export const CRON_SAMPLE_START = new Date('2028-01-01T00:00:00Z')
/** At most this many runs are sampled... */
export const CRON_SAMPLE_TICKS = 400
/**
 * ...and sampling stops once two runs lie more than this far apart in total: a year and a day
 * covers both DST changes and every month length. It keeps weekly and monthly schedules cheap
 * (cron-parser takes ~0.2 ms a run in a DST time zone).
 */
export const CRON_SAMPLE_SPAN_MS = 367 * 24 * 60 * 60 * 1000
const CACHE_LIMIT = 1000

const FIELDS_HELP = 'use 5 fields (minute hour day-of-month month day-of-week) or 6 (a seconds field first)'

const canonicalNames = new Map<string, string | undefined>()

/**
 * The canonical IANA name (`europe/berlin` -> `Europe/Berlin`), or undefined when unknown.
 * Cached: building an Intl.DateTimeFormat costs ~0.2 ms, and a fleet's config names a handful of
 * zones across 100,000 secrets. The cache holds at most CACHE_LIMIT names, like the intervals'.
 */
export function canonicalTimezone(timezone: string): string | undefined {
  if (canonicalNames.has(timezone)) return canonicalNames.get(timezone)
  let canonical: string | undefined
  if (timezone.trim() !== '') {
    try {
      canonical = new Intl.DateTimeFormat('en-US', {timeZone: timezone}).resolvedOptions().timeZone
    } catch {
      canonical = undefined
    }
  }
  if (canonicalNames.size >= CACHE_LIMIT) canonicalNames.clear()
  canonicalNames.set(timezone, canonical)
  return canonical
}

/**
 * Macros cron-parser and Vixie cron accept, written out: the planner, `status` and the workflow
 * and CronJob manifests `rotor schedule` prints then all see five plain fields.
 */
export const CRON_MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
}

/** `@daily` -> `0 0 * * *`; anything else unchanged. */
export function expandCronMacro(cron: string): string {
  return CRON_MACROS[cron.trim().toLowerCase()] ?? cron
}

export function cronFields(cron: string): string[] {
  return cron.trim().split(/\s+/).filter((field) => field !== '')
}

export interface ScheduleProblem {
  field: 'cron' | 'timezone'
  message: string
}

/**
 * What is wrong with a schedule: nothing when it is usable. The cron expression is checked even
 * when the time zone is unknown (in UTC then), so one run reports both.
 */
export function scheduleProblems(schedule: ScheduleConfig): ScheduleProblem[] {
  const problems: ScheduleProblem[] = []
  const timezone = canonicalTimezone(schedule.timezone)
  if (timezone === undefined) {
    const hint = didYouMean(schedule.timezone, Intl.supportedValuesOf('timeZone'))
    problems.push({
      field: 'timezone',
      message: `unknown time zone ${JSON.stringify(schedule.timezone)}; use an IANA name such as UTC or Europe/Berlin${hint}`,
    })
  }
  const cron = cronProblem(schedule.cron, timezone ?? 'UTC')
  if (cron) problems.push({field: 'cron', message: cron})
  return problems
}

function cronProblem(cron: string, timezone: string): string | undefined {
  const fields = cronFields(cron)
  if (fields.length === 0) return `the cron expression is empty; ${FIELDS_HELP}`
  if (fields.length === 1 && fields[0].startsWith('@')) {
    return `unknown cron macro ${JSON.stringify(fields[0])}; use one of ${Object.keys(CRON_MACROS).join(', ')}, or ${FIELDS_HELP}`
  }
  if (fields.length !== 5 && fields.length !== 6) {
    return `cron expression ${JSON.stringify(cron)} has ${fields.length} field${fields.length === 1 ? '' : 's'}; ${FIELDS_HELP}`
  }
  try {
    cronIntervalMs({cron, timezone})
  } catch (error) {
    const reason = (error as Error).message
    return `invalid cron expression ${JSON.stringify(cron)}: ${lowerFirst(reason)}`
  }
  return undefined
}

const intervals = new Map<string, number>()

/** Smallest gap between consecutive runs, in ms. Throws when the expression is invalid. */
export function cronIntervalMs(schedule: ScheduleConfig): number {
  const cacheKey = `${schedule.timezone}\u0000${schedule.cron}`
  const cached = intervals.get(cacheKey)
  if (cached !== undefined) return cached
  const expression = CronExpressionParser.parse(cronFields(schedule.cron).join(' '), {
    tz: schedule.timezone,
    currentDate: CRON_SAMPLE_START,
  })
  let smallest = Infinity
  const first = expression.next().getTime()
  let previous = first
  // No hasNext(): it computes the next run too, doubling the cost. Without an end date, next()
  // only throws when no run can be found at all.
  for (let tick = 1; tick < CRON_SAMPLE_TICKS && previous - first <= CRON_SAMPLE_SPAN_MS; tick++) {
    const next = expression.next().getTime()
    smallest = Math.min(smallest, next - previous)
    previous = next
  }
  if (!Number.isFinite(smallest) || smallest <= 0) throw new Error('it does not fire repeatedly')
  if (intervals.size >= CACHE_LIMIT) intervals.clear()
  intervals.set(cacheKey, smallest)
  return smallest
}

/**
 * How often a secret rotates at the most: the smaller of maxAge and the cron interval. Undefined
 * when it has neither, or its schedule is invalid.
 */
export function rotationIntervalMs(secret: Pick<SecretConfig, 'schedule' | 'maxAgeMs'>): number | undefined {
  let interval = secret.maxAgeMs
  if (secret.schedule) {
    try {
      const cron = cronIntervalMs(secret.schedule)
      interval = interval === undefined ? cron : Math.min(interval, cron)
    } catch {
      return undefined
    }
  }
  return interval
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1)
}
