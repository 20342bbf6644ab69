import {describe, expect, it} from 'vitest'
import type {SecretConfig} from '../../../src/config/types.js'
import {observeSecret} from '../../../src/plan/observe.js'
import {observeFleet, plan, planObserved} from '../../../src/plan/planner.js'
import {statusRows} from '../../../src/output/status.js'
import {config, DAY, HOUR, inventory, missing, promoted, secret, snapshot, version} from '../plan/fixtures.js'

/**
 * `status` shows the facts the planner observed (observeFleet, then planObserved) instead of
 * observing every secret a second time. Over a fleet in every state status can report, the rows
 * and the plan must be exactly what observing each secret again (the old path) gave.
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

describe('status rows from the facts the planner observed', () => {
  it('equal the rows of observing each secret again, and the plan is the same', () => {
    const {cfg, inv, secrets} = fleet()
    const facts = observeFleet(cfg, inv, NOW)
    const handed = planObserved(cfg, inv, facts, NOW)
    const recomputedPlan = plan(cfg, inv, NOW)
    expect(handed).toEqual(recomputedPlan)
    const rows = statusRows(secrets, facts, inv, handed, NOW)
    // The old path: each secret observed again, on its own, for its row.
    const again = statusRows(secrets, new Map(secrets.map((s) => [s.name, observeSecret(s, inv.get(s.name)!, NOW)])), inv, recomputedPlan, NOW)
    expect(rows).toEqual(again)
    // The fleet covers the states status reports, so the comparison is not of look-alike rows.
    expect(new Set(rows.map((r) => r.health))).toEqual(new Set(['ok', 'due', 'in-grace', 'missing', 'error', 'blocked', 'drift', 'in-flight', 'leftover']))
    expect(rows.find((r) => r.name === 'deferred')?.deferral).toBeDefined()
    expect(rows.find((r) => r.name === 'leased')?.lease?.owner).toBe('host:123')
    expect(rows.find((r) => r.name === 'in-flight')?.inFlight).toEqual({rotationIds: ['rot-3'], emergency: true})
    expect(rows.find((r) => r.name === 'due-age')?.overdueBy).toBeDefined()
    expect(rows.some((r) => r.next.length > 0)).toBe(true)
    // Times are ISO texts of the facts' dates (through the listing's memo).
    expect(rows.find((r) => r.name === 'ok')?.currentSince).toBe('2026-03-01T00:00:00.000Z')
    expect(rows.find((r) => r.name === 'in-grace')?.targets.map((t) => t.graceEndsAt)).toEqual(['2026-03-21T12:00:00.000Z', '2026-03-21T12:00:00.000Z'])
  })

  it('refuse a secret that was not observed instead of leaving it out', () => {
    const {cfg, inv, secrets} = fleet()
    const facts = observeFleet(cfg, inv, NOW)
    facts.delete('ok')
    expect(() => statusRows(secrets, facts, inv, plan(cfg, inv, NOW), NOW)).toThrow('ok was not observed')
  })

  it('keep the order of fields the JSON document has always had', () => {
    const {cfg, inv, secrets} = fleet()
    const facts = observeFleet(cfg, inv, NOW)
    const running = {pid: 1, host: 'h', alive: true} as unknown as Parameters<typeof statusRows>[5]
    const rows = statusRows(secrets, facts, inv, planObserved(cfg, inv, facts, NOW), NOW, running)
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

  it('are each secret\'s own facts', () => {
    const {cfg, inv, secrets} = fleet()
    const facts = observeFleet(cfg, inv, NOW)
    expect([...facts.keys()]).toEqual(secrets.map((s) => s.name))
    for (const s of secrets) expect(facts.get(s.name)).toEqual(observeSecret(s, inv.get(s.name)!, NOW))
  })

  it('leave out secrets that were not read, as plan() does', () => {
    const {cfg, inv} = fleet()
    inv.delete('ok')
    const facts = observeFleet(cfg, inv, NOW)
    expect(facts.has('ok')).toBe(false)
    expect(planObserved(cfg, inv, facts, NOW)).toEqual(plan(cfg, inv, NOW))
  })
})
