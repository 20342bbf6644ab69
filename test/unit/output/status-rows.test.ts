import {describe, expect, it} from 'vitest'
import type {SecretConfig} from '../../../src/config/types.js'
import {observeSecret} from '../../../src/plan/observe.js'
import {plan, planSecrets} from '../../../src/plan/planner.js'
import {type SecretStatus, statusRowMaker} from '../../../src/output/status.js'
import type {Inventory} from '../../../src/plan/types.js'
import type {RunLockHolder} from '../../../src/run/run-lock.js'
import {config, DAY, HOUR, inventory, missing, promoted, secret, snapshot, version} from '../plan/fixtures.js'

/**
 * `status` plans each secret and makes its row from the facts the planner observed (planSecrets,
 * then statusRowMaker), one secret at a time, instead of observing every secret a second time and
 * holding every fact and row. Over a fleet in every state status can report, the rows and the
 * plan must be exactly what the old path gave: plan() over the fleet, then each secret observed
 * again for its row, with the plan's actions and first deferral for that secret.
 */
const NOW = new Date('2026-03-20T12:00:00Z')
const two = (name: string, extra: Partial<SecretConfig> = {}) =>
  secret({name, targets: [{store: 'local', path: name}, {store: 'other', path: name}], ...extra})
const weekly = {cron: '0 3 * * 1', timezone: 'Europe/Berlin'}

function fleet() {
  const ok = two('ok', {schedule: {cron: '0 3 1 1 *', timezone: 'Europe/Berlin'}, environment: 'prod'})
  const dueBySchedule = two('due-schedule', {schedule: weekly})
  const dueByAge = two('due-age', {maxAgeMs: 10 * DAY})
  const inGrace = two('in-grace', {maxAgeMs: 90 * DAY, graceMs: 2 * DAY})
  // Due while the previous version is still in grace: a deferral.
  const deferred = two('deferred', {maxAgeMs: 1 * DAY, graceMs: 5 * DAY})
  const absent = two('absent', {maxAgeMs: 30 * DAY})
  const unreadable = two('unreadable')
  const unowned = two('unowned')
  const adopted = two('adopted', {adopt: true})
  const stale = two('stale', {maxAgeMs: 30 * DAY})
  const inFlight = two('in-flight')
  const leftover = two('leftover')
  const leased = two('leased', {maxAgeMs: 60 * DAY})
  const reinstated = secret({name: 'reinstated', maxAgeMs: 60 * DAY, targets: [{store: 'local', path: 'reinstated'}]})
  const current = (path: string, at: string, meta = {}) => snapshot(path, [version('2', 'current', at)], {promotedVersion: '2', promotedAt: at, ...meta})
  const secrets = [ok, dueBySchedule, dueByAge, inGrace, deferred, absent, unreadable, unowned, adopted, stale, inFlight, leftover, leased, reinstated]
  const inv = inventory([
    [ok, [current('ok', '2026-03-01T00:00:00Z'), current('ok', '2026-03-01T00:00:00Z')]],
    [dueBySchedule, [promoted('due-schedule', '2026-03-03T10:00:00Z', DAY), current('due-schedule', '2026-03-03T10:00:00Z')]],
    [dueByAge, [current('due-age', '2026-03-01T00:00:00Z'), current('due-age', '2026-03-01T00:00:00Z')]],
    [inGrace, [promoted('in-grace', '2026-03-19T12:00:00Z', 2 * DAY), promoted('in-grace', '2026-03-19T12:00:00Z', 2 * DAY)]],
    [deferred, [promoted('deferred', '2026-03-18T12:00:00Z', 5 * DAY), current('deferred', '2026-03-18T12:00:00Z')]],
    [absent, [missing('absent'), missing('absent')]],
    [unreadable, [new Error('local:unreadable: permission denied "x\u00e9\u2028"'), current('unreadable', '2026-03-01T00:00:00Z')]],
    [unowned, [snapshot('unowned', [version('1', 'current', '2026-02-01T00:00:00Z')], {}, false), missing('unowned')]],
    [adopted, [snapshot('adopted', [version('1', 'current', '2026-02-01T00:00:00Z')], {}, false), missing('adopted')]],
    [stale, [current('stale', '2026-03-10T00:00:00Z'), snapshot('stale', [version('1', 'current', '2026-02-01T00:00:00Z', {rotationId: 'rot-old'})])]],
    [
      inFlight,
      [
        snapshot('in-flight', [version('2', 'current', '2026-03-01T00:00:00Z'), version('3', 'pending', '2026-03-20T11:00:00Z', {rotationId: 'rot-3'})], {rotationId: 'rot-3', rotationEmergency: 'true'}),
        current('in-flight', '2026-03-01T00:00:00Z'),
      ],
    ],
    [leftover, [{...current('leftover', '2026-03-01T00:00:00Z'), leftovers: [{versionId: '2', detail: 'AWSPENDING still on the current version'}]}, current('leftover', '2026-03-01T00:00:00Z')]],
    [leased, [current('leased', '2026-03-01T00:00:00Z', {leaseOwner: 'host:123', leaseExpiresAt: new Date(NOW.getTime() + HOUR).toISOString()}), current('leased', '2026-03-01T00:00:00Z')]],
    // A rollback made version 1 current again, older than the previous one it replaced.
    [reinstated, [snapshot('reinstated', [version('1', 'current', '2026-01-01T00:00:00Z'), version('2', 'previous', '2026-02-01T00:00:00Z')], {promotedVersion: '1', promotedAt: '2026-03-15T00:00:00Z', graceEndsAt: '2026-03-25T00:00:00Z'})]],
  ])
  return {cfg: config(...secrets), inv, secrets}
}

/** The old path: the whole plan, then each secret observed again, with its part of the plan. */
function oldRows(secrets: SecretConfig[], inv: Inventory, runningBy?: RunLockHolder): SecretStatus[] {
  const whole = plan(config(...secrets), inv, NOW)
  const rowOf = statusRowMaker(inv, NOW, runningBy)
  return secrets.map((s) => {
    const deferral = whole.deferred?.find((d) => d.secret === s.name)
    return rowOf({secret: s, facts: observeSecret(s, inv.get(s.name)!, NOW), actions: whole.actions.filter((a) => a.secret === s.name), deferred: deferral ? [deferral] : []})
  })
}

function newRows(secrets: SecretConfig[], inv: Inventory, runningBy?: RunLockHolder): SecretStatus[] {
  const rowOf = statusRowMaker(inv, NOW, runningBy)
  return [...planSecrets(secrets, inv, NOW)].map((planned) => rowOf(planned))
}

describe('status rows made as the planner plans each secret', () => {
  it('equal the rows of observing each secret again beside the whole plan', () => {
    const {inv, secrets} = fleet()
    const rows = newRows(secrets, inv)
    expect(rows).toEqual(oldRows(secrets, inv))
    // The fleet covers the states status reports, so the comparison is not of look-alike rows.
    expect(new Set(rows.map((r) => r.health))).toEqual(new Set(['ok', 'due', 'in-grace', 'missing', 'error', 'blocked', 'drift', 'in-flight', 'leftover']))
    expect(rows.find((r) => r.name === 'deferred')?.deferral).toBeDefined()
    expect(rows.find((r) => r.name === 'leased')?.lease?.owner).toBe('host:123')
    expect(rows.find((r) => r.name === 'in-flight')?.inFlight).toEqual({rotationIds: ['rot-3'], emergency: true})
    expect(rows.find((r) => r.name === 'due-age')?.overdueBy).toBeDefined()
    expect(rows.filter((r) => r.next.length > 0).length).toBeGreaterThan(1)
    // Times are ISO texts of the facts' dates (through the listing's memo).
    expect(rows.find((r) => r.name === 'ok')?.currentSince).toBe('2026-03-01T00:00:00.000Z')
    expect(rows.find((r) => r.name === 'in-grace')?.targets.map((t) => t.graceEndsAt)).toEqual(['2026-03-21T12:00:00.000Z', '2026-03-21T12:00:00.000Z'])
  })

  it('come with parts of the plan that add up to plan(), and facts that are observeSecret\'s', () => {
    const {cfg, inv, secrets} = fleet()
    const planned = [...planSecrets(secrets, inv, NOW)]
    expect(planned.map((p) => p.secret.name)).toEqual(secrets.map((s) => s.name))
    for (const p of planned) expect(p.facts).toEqual(observeSecret(p.secret, inv.get(p.secret.name)!, NOW))
    const whole = plan(cfg, inv, NOW)
    expect(planned.flatMap((p) => p.actions)).toEqual(whole.actions)
    expect(planned.flatMap((p) => p.blocked)).toEqual(whole.blocked)
    expect(planned.flatMap((p) => p.deferred)).toEqual(whole.deferred)
    // Each secret's part is its own.
    for (const p of planned) for (const part of [...p.actions, ...p.blocked, ...p.deferred]) expect(part.secret).toBe(p.secret.name)
    expect(whole.blocked.length).toBeGreaterThan(0)
    expect(whole.deferred?.length).toBeGreaterThan(0)
  })

  it('keep the order of fields the JSON document has always had', () => {
    const {inv, secrets} = fleet()
    const running = {pid: 1, host: 'h', alive: true} as unknown as RunLockHolder
    const rows = newRows(secrets, inv, running)
    expect(rows).toEqual(oldRows(secrets, inv, running))
    const rowOrder = ['name', 'environment', 'health', 'currentSince', 'nextRotationAt', 'nextRotationReason', 'overdueBy', 'overdueSince', 'deferral', 'graceEndsAt', 'targets', 'next', 'lease', 'inFlight', 'issuer']
    const targetOrder = ['target', 'health', 'currentVersion', 'previousVersion', 'pendingVersion', 'currentSince', 'graceEndsAt', 'detail', 'reason', 'hint']
    const inOrder = (keys: string[], order: string[]) => keys.every((k, i) => i === 0 || order.indexOf(keys[i - 1]) < order.indexOf(k)) && keys.every((k) => order.includes(k))
    for (const row of rows) {
      expect(inOrder(Object.keys(row), rowOrder), Object.keys(row).join()).toBe(true)
      for (const t of row.targets) expect(inOrder(Object.keys(t), targetOrder), Object.keys(t).join()).toBe(true)
    }
    // Every optional field shows up somewhere in this fleet, so the order of each was checked.
    const seen = new Set(rows.flatMap((r) => Object.keys(r)))
    expect(rowOrder.filter((k) => !seen.has(k))).toEqual(['issuer'])
    expect(rows.find((r) => r.name === 'unreadable')?.targets[0]).toHaveProperty('reason')
  })

  it('leave out secrets that were not read, as plan() does', () => {
    const {cfg, inv, secrets} = fleet()
    inv.delete('ok')
    const planned = [...planSecrets(secrets, inv, NOW)]
    expect(planned.map((p) => p.secret.name)).toEqual(secrets.filter((s) => s.name !== 'ok').map((s) => s.name))
    expect(planned.flatMap((p) => p.actions)).toEqual(plan(cfg, inv, NOW).actions)
  })

  it('are made one secret at a time: the next secret is observed only when asked for', () => {
    const {inv, secrets} = fleet()
    const read: string[] = []
    const watched: Inventory = new Map([...inv].map(([name, observations]) => [name, observations]))
    const get = watched.get.bind(watched)
    watched.get = (name: string) => {
      read.push(name)
      return get(name)
    }
    const each = planSecrets(secrets, watched, NOW)
    expect(read).toEqual([])
    each.next()
    expect(read).toEqual([secrets[0].name])
    each.next()
    expect(read).toEqual([secrets[0].name, secrets[1].name])
  })
})
