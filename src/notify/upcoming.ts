/**
 * "Rotation due soon" reminders. Each webhook is told once per due time: the primary's meta
 * remembers which due time was announced to which webhooks (`upcomingNotified`), so hourly cron
 * runs do not repeat it, and a rotation (a new due time) starts over.
 */
import type {NotifyConfig, RotorConfig, SecretConfig} from '../config/types.js'
import {observeSecret, type SecretFacts} from '../plan/observe.js'
import type {Inventory} from '../plan/types.js'

export const UPCOMING_META = 'upcomingNotified'

export interface UpcomingNotice {
  secret: SecretConfig
  dueAt: Date
  /** Indexes of the webhooks to tell now. */
  hooks: number[]
  /** The meta value that records them as told. */
  record: string
}

export function upcomingNotices(
  config: Pick<RotorConfig, 'notify'>,
  secrets: SecretConfig[],
  inventory: Inventory,
  now: Date,
  skip: Set<string> = new Set(),
): UpcomingNotice[] {
  const hooks = config.notify ?? []
  if (!hooks.some((h) => h.events.includes('upcoming'))) return []
  const notices: UpcomingNotice[] = []
  for (const secret of secrets) {
    const observations = inventory.get(secret.name)
    if (!observations || skip.has(secret.name)) continue
    const facts = observeSecret(secret, observations, now)
    if (!facts.dueAt || facts.dueAt <= now || (facts.health !== 'ok' && facts.health !== 'in-grace')) continue
    const due = facts.dueAt.toISOString()
    const told = parseRecord(facts.primary.snapshot?.meta[UPCOMING_META], due)
    const tell = hooks.flatMap((h: NotifyConfig, i) =>
      h.events.includes('upcoming') && !told.has(i) && facts.dueAt!.getTime() - now.getTime() <= h.upcomingWithinMs ? [i] : [],
    )
    if (tell.length === 0) continue
    notices.push({secret, dueAt: facts.dueAt, hooks: tell, record: `${due} ${[...told, ...tell].sort((a, b) => a - b).join(',')}`})
  }
  return notices
}

/** Webhooks already told about `due`; a record about another due time counts for nothing. */
function parseRecord(record: string | undefined, due: string): Set<number> {
  const [when, list] = (record ?? '').split(' ')
  if (when !== due || !list) return new Set()
  return new Set(list.split(',').map(Number).filter(Number.isInteger))
}

/** A rotation or a grace end coming up (or already past due, for rotations). */
export interface UpcomingEvent {
  at: Date
  secret: string
  event: 'rotation' | 'grace-end'
  /** Rotation: `schedule` or `max-age`. */
  reason?: string
  /** Grace end: the previous version retired then, on the primary. */
  version?: string
}

/**
 * What happens to one secret before `until` (epoch ms), from its facts, added to `events`:
 * a rotation coming due (or already due, which the next run does) and a grace window ending.
 * `status --upcoming` adds each secret's as the planner observes it, then sorts (inTimeOrder).
 */
export function addUpcoming(events: UpcomingEvent[], secret: string, facts: SecretFacts, now: Date, until: number): void {
  if (facts.dueAt && facts.dueAt.getTime() <= until) {
    events.push({at: facts.dueAt, secret, event: 'rotation', ...(facts.dueReason ? {reason: facts.dueReason} : {})})
  }
  const grace = facts.primary.previous ? facts.graceEndsAt : undefined
  if (grace && grace.getTime() > now.getTime() && grace.getTime() <= until) {
    events.push({at: grace, secret, event: 'grace-end', version: facts.primary.previous!.id})
  }
}

/** EVENTS sorted in place by time, then by secret. */
export function inTimeOrder(events: UpcomingEvent[]): UpcomingEvent[] {
  return events.sort((a, b) => a.at.getTime() - b.at.getTime() || a.secret.localeCompare(b.secret))
}
