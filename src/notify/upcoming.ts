/**
 * "Rotation due soon" reminders. Each webhook is told once per due time: the primary's meta
 * remembers which due time was announced to which webhooks (`upcomingNotified`), so hourly cron
 * runs do not repeat it, and a rotation (a new due time) starts over.
 */
import type {NotifyConfig, RotorConfig, SecretConfig} from '../config/types.js'
import {observeSecret} from '../plan/observe.js'
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
