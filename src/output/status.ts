import ansis from 'ansis'
import type {SecretConfig} from '../config/types.js'
import {observeSecret, type SecretFacts, type SecretHealth, type TargetHealth} from '../plan/observe.js'
import {type Action, type Inventory, refText} from '../plan/types.js'
import {renderTable} from './table.js'
import {age, relative} from './time.js'
import {describeAction} from './plan.js'

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
  }
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
  const next = statuses.flatMap((s) => s.next.map((n) => `  ${s.name}: ${n}`))
  return next.length > 0 ? `${table}\n\nNext run will:\n${next.join('\n')}` : table
}
