import {CronExpressionParser} from 'cron-parser'
import type {SecretConfig} from '../config/types.js'

/**
 * The first cron tick strictly after `after`, in the schedule's time zone. cron-parser resolves
 * DST gaps by moving a skipped wall time forward and runs an ambiguous wall time once.
 */
export function nextCronTick(cron: string, timezone: string, after: Date): Date {
  return CronExpressionParser.parse(cron, {currentDate: after, tz: timezone}).next().toDate()
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
