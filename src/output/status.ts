import ansis from 'ansis'
import type {SecretFacts, SecretHealth, TargetHealth} from '../plan/observe.js'
import type {PlannedSecret} from '../plan/planner.js'
import {type Inventory, refText} from '../plan/types.js'
import {holderText, type RunLockHolder} from '../run/run-lock.js'
import {renderTable} from './table.js'
import {age, humanDuration, relative} from './time.js'
import {type ReadCoverage, unreadLines, unreadSummary} from './unread.js'
import {describeAction} from './plan.js'
import {leaseState} from '../engine/lease.js'
import type {UpcomingEvent} from '../notify/upcoming.js'
import {issuerLines, issuerStatus, type IssuerStatus} from './issuer-status.js'

export interface TargetStatus {
  target: string
  health: TargetHealth
  currentVersion?: string
  previousVersion?: string
  pendingVersion?: string
  /** Since when the target's current version has been current (its promotion, else its creation). */
  currentSince?: string
  graceEndsAt?: string
  detail?: string
  /** Why the target could not be read (health `error`). */
  reason?: string
  hint?: string
}

export interface SecretStatus {
  name: string
  environment?: string
  health: SecretHealth
  currentSince?: string
  nextRotationAt?: string
  nextRotationReason?: string
  /** Past maxAge by this long (e.g. "26d"), from `overdueSince`. */
  overdueBy?: string
  overdueSince?: string
  /** A due rotation waiting, e.g. for the previous version's grace window to end. */
  deferral?: {reason: string; until?: string}
  graceEndsAt?: string
  targets: TargetStatus[]
  /** What the next `rotor apply` would do for this secret. */
  next: string[]
  /** A run holding the secret; `stale` when it expired or its process is gone (the next run takes it over). */
  lease?: {owner: string; expiresAt: string; stale: boolean}
  /** A rotation an earlier run started and did not finish. */
  inFlight?: {rotationIds: string[]; emergency: boolean; runningBy?: RunLockHolder}
  /** The issuer's side, for a secret with `issuer:` (src/output/issuer-status.ts). */
  issuer?: IssuerStatus
}

/** What every row of one listing shares: the inventory (error hints, issuers), `now`, the run lock's holder. */
interface Listing {
  inventory: Inventory
  now: Date
  runningBy?: RunLockHolder
  iso: (date: Date | undefined) => string | undefined
}

/** What a row is made of: a secret, the facts its plan was made from, and its part of the plan (planSecrets yields these). */
export type PlannedRow = Pick<PlannedSecret, 'secret' | 'facts' | 'actions' | 'deferred'>

/**
 * The maker of a status listing's rows, one secret at a time as the planner plans it
 * (planSecrets): each row shows the facts the plan was made from and what the plan does for the
 * secret, so a fleet's facts and rows need not be held at once (`status --json` writes each row
 * as it is made).
 */
export function statusRowMaker(inventory: Inventory, now: Date, runningBy?: RunLockHolder): (planned: PlannedRow) => SecretStatus {
  const listing: Listing = {inventory, now, runningBy, iso: isoTexts()}
  return (planned) => secretStatus(planned, listing)
}

/**
 * Date.toISOString through a memo: a fleet's rows repeat the same few times (one apply created
 * them), and the text costs about a microsecond each, four per secret. Bounded for fleets whose
 * times all differ.
 */
function isoTexts(): (date: Date | undefined) => string | undefined {
  const texts = new Map<number, string>()
  return (date) => {
    if (date === undefined) return undefined
    const time = date.getTime()
    let text = texts.get(time)
    if (text === undefined) {
      text = date.toISOString()
      if (texts.size < 10_000) texts.set(time, text)
    }
    return text
  }
}

function secretStatus({secret, facts, actions, deferred: deferrals}: PlannedRow, {inventory, now, runningBy, iso}: Listing): SecretStatus {
  // The first deferral, as a find() over the plan's list did.
  const deferred = deferrals[0]
  const overdueSince = facts.currentSince && secret.maxAgeMs !== undefined ? new Date(facts.currentSince.getTime() + secret.maxAgeMs) : undefined
  const overdue = overdueSince && overdueSince < now ? overdueSince : undefined
  // Built field by field, in the order the JSON document shows them (no object spreads: a fleet
  // has 100,000 rows); optional fields only when they have a value.
  const row = {name: secret.name} as SecretStatus
  if (secret.environment) row.environment = secret.environment
  row.health = facts.health
  row.currentSince = iso(facts.valueSince ?? facts.currentSince)
  row.nextRotationAt = iso(facts.dueAt)
  row.nextRotationReason = facts.dueReason
  if (overdue) {
    row.overdueBy = humanDuration(now.getTime() - overdue.getTime()).split(' ')[0]
    row.overdueSince = iso(overdue)
  }
  if (deferred) row.deferral = deferred.until ? {reason: deferred.reason, until: deferred.until} : {reason: deferred.reason}
  row.graceEndsAt = facts.primary.previous ? iso(facts.graceEndsAt) : undefined
  row.targets = facts.targets.map((t, i) => {
    const target: TargetStatus = {
      target: refText(t.target),
      health: t.health,
      currentVersion: t.current?.id,
      previousVersion: t.previous?.id,
      pendingVersion: t.pending?.id,
      currentSince: iso(i === 0 ? (facts.valueSince ?? facts.currentSince) : (t.promotedAt ?? t.current?.createdAt)),
      graceEndsAt: t.previous ? iso(t.graceEndsAt) : undefined,
    }
    if (t.detail) target.detail = t.detail
    if (t.health === 'error') {
      target.reason = t.detail
      const hint = errorHint(inventory, secret.name, t.target)
      if (hint) target.hint = hint
    }
    return target
  })
  row.next = actions.map(describeAction)
  if (facts.lease) row.lease = {...facts.lease, stale: leaseState(facts.primary.snapshot?.meta ?? {}, '').kind === 'free'}
  const flight = inFlight(facts, runningBy)
  if (flight) row.inFlight = flight
  if (secret.issuer) row.issuer = issuerStatus(secret, inventory).issuer
  return row
}

function errorHint(inventory: Inventory, name: string, target: {store: string; path: string}): string | undefined {
  return inventory.get(name)?.find((o) => o.target.store === target.store && o.target.path === target.path)?.error?.hint
}

/** Lease times are wall-clock times (src/engine/lease.ts), so they are shown against the wall clock. */
function leaseLine(lease: NonNullable<SecretStatus['lease']>): string {
  if (lease.stale) return `lease of ${lease.owner} is stale (expired, or its process is gone); the next run takes it over`
  return `leased by ${lease.owner} until ${lease.expiresAt} (${relative(lease.expiresAt, new Date())})`
}

function inFlight(facts: SecretFacts, runningBy: RunLockHolder | undefined): SecretStatus['inFlight'] {
  // Most secrets of a fleet: nothing pending, no emergency (no set and arrays for each).
  if (!facts.intent?.emergency && !facts.targets.some((t) => t.pending)) return undefined
  const ids = new Set(facts.targets.flatMap((t) => (t.pending ? [t.pending.rotationId ?? t.pending.id] : [])))
  if (facts.intent?.emergency) ids.add(facts.intent.rotationId)
  const live = runningBy && runningBy.alive !== false ? {runningBy} : {}
  return ids.size > 0 ? {rotationIds: [...ids], emergency: facts.intent?.emergency ?? false, ...live} : undefined
}

/** Why the in-flight rotation is there: a live run doing it now, or an earlier run that stopped. */
function inFlightCause(inFlight: NonNullable<SecretStatus['inFlight']>): string {
  if (!inFlight.runningBy) return 'an earlier run stopped mid-way; the next `rotor apply` finishes it'
  const where = holderText(inFlight.runningBy)
  return inFlight.runningBy.alive ? `a rotor run is doing it now: ${where}` : `a rotor run holds the run lock (${where}; cannot check a process on another host)`
}

/** NEXT ROTATION: a deferral or an overdue rotation says so, instead of a bare time. */
function nextRotation(s: SecretStatus, now: Date): string {
  if (s.deferral) return s.deferral.until ? `after grace ends at ${s.deferral.until}` : 'after grace (end not recorded)'
  return relative(s.nextRotationAt, now)
}

const HEALTH_COLOUR: Record<string, (text: string) => string> = {
  ok: ansis.green,
  'in-grace': ansis.cyan,
  due: ansis.yellow,
  drift: ansis.yellow,
  stale: ansis.yellow,
  missing: ansis.yellow,
  'in-flight': ansis.magenta,
  blocked: ansis.red,
  unowned: ansis.red,
  error: ansis.red,
}

const colour = (health: string) => (HEALTH_COLOUR[health] ?? ((t: string) => t))(health)

export function renderStatus(statuses: SecretStatus[], now: Date, coverage?: ReadCoverage, runningBy?: RunLockHolder): string {
  const rows = statuses.flatMap((s) =>
    s.targets.map((t, i) => [
      i === 0 ? ansis.bold(s.name) : '',
      t.target + (i === 0 && s.targets.length > 1 ? ansis.dim(' (primary)') : ''),
      i === 0 && s.overdueBy && s.health === 'due' ? ansis.red(`overdue ${s.overdueBy}`) : colour(i === 0 ? s.health : t.health),
      t.currentVersion ?? '-',
      i === 0 ? age(s.currentSince, now) : '',
      i === 0 ? nextRotation(s, now) : '',
      relative(t.graceEndsAt, now),
    ]),
  )
  const table = renderTable(['SECRET', 'TARGET', 'STATE', 'CURRENT', 'AGE', 'NEXT ROTATION', 'GRACE ENDS'], rows)
  const notes = statuses.flatMap((s) => [
    ...(s.inFlight ? [`  ${s.name}: ${s.inFlight.emergency ? 'EMERGENCY ' : ''}rotation ${s.inFlight.rotationIds.join(', ')} in flight (${inFlightCause(s.inFlight)})`] : []),
    ...(s.lease ? [`  ${s.name}: ${leaseLine(s.lease)}`] : []),
  ])
  const issuers = statuses.flatMap((s) => (s.issuer ? issuerLines(s.name, s.issuer) : []))
  const next = statuses.flatMap((s) => s.next.map((n) => `  ${s.name}: ${n}`))
  const parts = [table]
  if (coverage && coverage.unread > 0) parts.push(`${unreadSummary(coverage)}\n${unreadLines(coverage).map((l) => `  ${l}`).join('\n')}`)
  if (runningBy?.alive && notes.length === 0) parts.push(`A rotor run is in progress: ${holderText(runningBy)}.`)
  if (issuers.length > 0) parts.push(`Issuers:\n${issuers.join('\n')}`)
  if (notes.length > 0) parts.push(`In flight:\n${notes.join('\n')}`)
  if (next.length > 0) parts.push(`Next run will:\n${next.join('\n')}`)
  return parts.join('\n\n')
}

/** `rotor status --upcoming`: what happens when, soonest first. */
export function renderUpcoming(events: UpcomingEvent[], now: Date, withinMs: number): string {
  if (events.length === 0) return `Nothing is due and no grace window ends in the next ${humanDuration(withinMs)}.`
  const rows = events.map((e) => [
    e.at.toISOString(),
    e.at <= now ? ansis.red('due now') : relative(e.at.toISOString(), now),
    ansis.bold(e.secret),
    e.event === 'rotation' ? `rotation (${e.reason ?? 'due'})` : 'grace ends',
    e.event === 'grace-end' && e.version ? `previous version ${e.version} retired` : '',
  ])
  return renderTable(['WHEN', 'IN', 'SECRET', 'EVENT', 'DETAIL'], rows)
}
