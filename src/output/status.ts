import ansis from 'ansis'
import type {SecretConfig} from '../config/types.js'
import {observeSecret, type SecretFacts, type SecretHealth, type TargetHealth} from '../plan/observe.js'
import {type Action, type Inventory, refText} from '../plan/types.js'
import {renderTable} from './table.js'
import {age, relative} from './time.js'
import {describeAction} from './plan.js'
import {leaseState} from '../engine/lease.js'

export interface TargetStatus {
  target: string
  health: TargetHealth
  currentVersion?: string
  previousVersion?: string
  pendingVersion?: string
  graceEndsAt?: string
  detail?: string
}

export interface SecretStatus {
  name: string
  environment?: string
  health: SecretHealth
  currentSince?: string
  nextRotationAt?: string
  nextRotationReason?: string
  graceEndsAt?: string
  targets: TargetStatus[]
  /** What the next `rotor apply` would do for this secret. */
  next: string[]
  /** A run holding the secret; `stale` when it expired or its process is gone (the next run takes it over). */
  lease?: {owner: string; expiresAt: string; stale: boolean}
  /** A rotation an earlier run started and did not finish. */
  inFlight?: {rotationIds: string[]; emergency: boolean}
}

export function secretStatus(secret: SecretConfig, inventory: Inventory, actions: Action[], now: Date): SecretStatus {
  const facts: SecretFacts = observeSecret(secret, inventory.get(secret.name) ?? [], now)
  return {
    name: secret.name,
    ...(secret.environment ? {environment: secret.environment} : {}),
    health: facts.health,
    currentSince: facts.currentSince?.toISOString(),
    nextRotationAt: facts.dueAt?.toISOString(),
    nextRotationReason: facts.dueReason,
    graceEndsAt: facts.primary.previous ? facts.graceEndsAt?.toISOString() : undefined,
    targets: facts.targets.map((t) => ({
      target: refText(t.target),
      health: t.health,
      currentVersion: t.current?.id,
      previousVersion: t.previous?.id,
      pendingVersion: t.pending?.id,
      graceEndsAt: t.previous ? t.graceEndsAt?.toISOString() : undefined,
      ...(t.detail ? {detail: t.detail} : {}),
    })),
    next: actions.filter((a) => a.secret === secret.name).map(describeAction),
    ...(facts.lease ? {lease: {...facts.lease, stale: leaseState(facts.primary.snapshot?.meta ?? {}, '').kind === 'free'}} : {}),
    ...inFlight(facts),
  }
}

/** Lease times are wall-clock times (src/engine/lease.ts), so they are shown against the wall clock. */
function leaseLine(lease: NonNullable<SecretStatus['lease']>): string {
  if (lease.stale) return `lease of ${lease.owner} is stale (expired, or its process is gone); the next run takes it over`
  return `leased by ${lease.owner} until ${lease.expiresAt} (${relative(lease.expiresAt, new Date())})`
}

function inFlight(facts: SecretFacts): Pick<SecretStatus, 'inFlight'> {
  const ids = new Set(facts.targets.flatMap((t) => (t.pending ? [t.pending.rotationId ?? t.pending.id] : [])))
  if (facts.intent?.emergency) ids.add(facts.intent.rotationId)
  return ids.size > 0 ? {inFlight: {rotationIds: [...ids], emergency: facts.intent?.emergency ?? false}} : {}
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

export function renderStatus(statuses: SecretStatus[], now: Date): string {
  const rows = statuses.flatMap((s) =>
    s.targets.map((t, i) => [
      i === 0 ? ansis.bold(s.name) : '',
      t.target + (i === 0 && s.targets.length > 1 ? ansis.dim(' (primary)') : ''),
      colour(i === 0 ? s.health : t.health),
      t.currentVersion ?? '-',
      i === 0 ? age(s.currentSince, now) : '',
      i === 0 ? relative(s.nextRotationAt, now) : '',
      relative(t.graceEndsAt, now),
    ]),
  )
  const table = renderTable(['SECRET', 'TARGET', 'STATE', 'CURRENT', 'AGE', 'NEXT ROTATION', 'GRACE ENDS'], rows)
  const notes = statuses.flatMap((s) => [
    ...(s.inFlight ? [`  ${s.name}: ${s.inFlight.emergency ? 'EMERGENCY ' : ''}rotation ${s.inFlight.rotationIds.join(', ')} in flight (an earlier run stopped mid-way)`] : []),
    ...(s.lease ? [`  ${s.name}: ${leaseLine(s.lease)}`] : []),
  ])
  const next = statuses.flatMap((s) => s.next.map((n) => `  ${s.name}: ${n}`))
  const parts = [table]
  if (notes.length > 0) parts.push(`In flight:\n${notes.join('\n')}`)
  if (next.length > 0) parts.push(`Next run will:\n${next.join('\n')}`)
  return parts.join('\n\n')
}
