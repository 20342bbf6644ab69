import {describe, expect, it} from 'vitest'
import {mayRetire} from '../../../src/plan/grace.js'
import {observeTarget} from '../../../src/plan/observe.js'
import {plan} from '../../../src/plan/planner.js'
import {planSync} from '../../../src/plan/sync.js'
import {config, DAY, inventory, missing, promoted, secret, snapshot, version} from './fixtures.js'

const two = secret({targets: [{store: 'local', path: 'api'}, {store: 'other', path: 'api'}], maxAgeMs: 30 * DAY})
const PROMOTED = '2026-03-01T00:00:00Z'
const IN_GRACE = new Date('2026-03-01T12:00:00Z')
const AFTER_GRACE = new Date('2026-03-02T00:00:01Z')
const GRACE_END = '2026-03-02T00:00:00.000Z'

describe('a primary without a value', () => {
  it('is blocked, not created, while another target holds rotor-owned versions', () => {
    const result = plan(config(two), inventory([[two, [missing('api'), promoted('api', PROMOTED, DAY)]]]), IN_GRACE)
    expect(result.actions).toEqual([])
    expect(result.blocked).toEqual([
      expect.objectContaining({secret: 'api', target: two.targets[0], reason: expect.stringContaining('other:api holds rotor-owned versions')}),
    ])
    expect(result.blocked[0].hint).toContain('`rotor restore api`')
  })

  it('is blocked when only the audit log knows the secret', () => {
    const inv = inventory([[two, [missing('api'), missing('api')]]])
    const result = plan(config(two), inv, IN_GRACE, {history: new Set(['api'])})
    expect(result.actions).toEqual([])
    expect(result.blocked[0].reason).toContain('the audit log records its history')
    // Another secret's history does not count.
    expect(plan(config(two), inv, IN_GRACE, {history: new Set(['other'])}).actions).toEqual([{kind: 'create', secret: 'api', targets: two.targets}])
  })

  it('is created anew with --recreate, and a target owned by another tool does not count as history', () => {
    const inv = inventory([[two, [missing('api'), promoted('api', PROMOTED, DAY)]]])
    expect(plan(config(two), inv, IN_GRACE, {recreate: true}).actions).toEqual([{kind: 'create', secret: 'api', targets: two.targets}])
  })
})

describe('rotor restore (planner)', () => {
  it('restores the newest owned current version and the previous one in grace, with the promotion record', () => {
    const older = snapshot('api', [version('9', 'current', '2026-01-01T00:00:00Z', {rotationId: 'rot-old'})], {promotedVersion: '9', promotedAt: '2026-01-01T00:00:00Z'})
    const three = secret({...two, targets: [...two.targets, {store: 'local', path: 'copy'}]})
    const result = plan(config(three), inventory([[three, [missing('api'), older, promoted('copy', PROMOTED, DAY)]]]), IN_GRACE, {restore: new Map([['api', {}]])})
    expect(result.actions).toEqual([
      {
        kind: 'restore',
        secret: 'api',
        from: three.targets[2],
        current: {versionId: '2', rotationId: 'rot-2'},
        previous: {versionId: '1', rotationId: 'rot-1'},
        promotedAt: '2026-03-01T00:00:00.000Z',
        graceEndsAt: GRACE_END,
      },
    ])
    // --from picks the source.
    const picked = plan(config(three), inventory([[three, [missing('api'), older, promoted('copy', PROMOTED, DAY)]]]), IN_GRACE, {
      restore: new Map([['api', {from: three.targets[1]}]]),
    })
    expect(picked.actions).toEqual([expect.objectContaining({from: three.targets[1], current: {versionId: '9', rotationId: 'rot-old'}})])
  })

  it('leaves the previous version out once its grace window is over', () => {
    const result = plan(config(two), inventory([[two, [missing('api'), promoted('api', PROMOTED, DAY)]]]), AFTER_GRACE, {restore: new Map([['api', {}]])})
    expect(result.actions).toEqual([expect.not.objectContaining({previous: expect.anything()})])
  })

  it('refuses when no target holds an owned value, and when the primary holds another value', () => {
    const none = plan(config(two), inventory([[two, [missing('api'), missing('api')]]]), IN_GRACE, {restore: new Map([['api', {}]])})
    expect(none.actions).toEqual([])
    expect(none.blocked[0].reason).toContain('nothing to restore from')
    const other = snapshot('api', [version('7', 'current', PROMOTED, {rotationId: 'rot-other'})], {promotedVersion: '7', promotedAt: PROMOTED})
    const held = plan(config(two), inventory([[two, [other, promoted('api', PROMOTED, DAY)]]]), IN_GRACE, {restore: new Map([['api', {}]])})
    expect(held.actions).toEqual([])
    expect(held.blocked[0].reason).toContain('restore only fills a primary that lost its value')
  })

  it('finishes a restore stopped between its writes, and has nothing to do once done', () => {
    const half = snapshot('api', [version('a', 'current', IN_GRACE.toISOString(), {rotationId: 'rot-1'})], {promotedVersion: 'a', promotedAt: IN_GRACE.toISOString()})
    const finishing = plan(config(two), inventory([[two, [half, promoted('api', PROMOTED, DAY)]]]), IN_GRACE, {restore: new Map([['api', {}]])})
    expect(finishing.actions).toEqual([expect.objectContaining({kind: 'restore', current: {versionId: '2', rotationId: 'rot-2'}})])
    const done = plan(config(two), inventory([[two, [promoted('api', PROMOTED, DAY), promoted('api', PROMOTED, DAY)]]]), IN_GRACE, {
      restore: new Map([['api', {}]]),
    })
    expect(done).toMatchObject({actions: [], blocked: []})
  })
})

describe('one grace rule for every retirement', () => {
  /** A target whose previous version `1` is in grace and whose demoted `0` keeps its own window. */
  function held(until: string) {
    const snap = promoted('api', PROMOTED, DAY)
    snap.versions.push(version('0', 'retired', '2025-12-01T00:00:00Z'))
    snap.versions[2] = {...snap.versions[2], role: undefined as never}
    snap.meta.graceHeldVersion = '0'
    snap.meta.graceHeldUntil = until
    return snap
  }

  it('mayRetire: a previous only after its recorded window, a held stray only after its own, anything in an emergency', () => {
    const t = observeTarget({target: {store: 'local', path: 'api'}, snapshot: held(GRACE_END)})
    expect(mayRetire(t, t.previous!, IN_GRACE)).toBe(false)
    expect(mayRetire(t, t.previous!, AFTER_GRACE)).toBe(true)
    expect(mayRetire(t, t.strays[0], IN_GRACE)).toBe(false)
    expect(mayRetire(t, t.strays[0], AFTER_GRACE)).toBe(true)
    expect(mayRetire(t, t.strays[0], IN_GRACE, true)).toBe(true)
  })

  it('apply does not retire a stray whose window lasts, and does with --emergency', () => {
    const s = secret({maxAgeMs: 30 * DAY})
    const inv = inventory([[s, [held(GRACE_END)]]])
    expect(plan(config(s), inv, IN_GRACE).actions).toEqual([])
    expect(plan(config(s), inv, IN_GRACE, {emergency: new Set(['api'])}).actions).toContainEqual(expect.objectContaining({kind: 'retire', versionId: '0'}))
    expect(plan(config(s), inv, AFTER_GRACE).actions).toEqual(
      expect.arrayContaining([expect.objectContaining({kind: 'retire', versionId: '0'}), expect.objectContaining({kind: 'retire', versionId: '1'})]),
    )
  })

  it('sync does not retire extra versions inside their window', () => {
    const inv = inventory([[two, [held(GRACE_END), promoted('api', PROMOTED, DAY)]]])
    expect(planSync(config(two), inv, IN_GRACE).actions).toEqual([])
    const late = planSync(config(two), inv, AFTER_GRACE).actions.filter((a) => a.kind === 'retire')
    expect(late.map((a) => (a as {versionId: string}).versionId).sort()).toEqual(['0', '1', '1'])
  })

  it('a --recreate over a target with a previous in grace keeps that window (recorded by the write)', () => {
    const inv = inventory([[two, [missing('api'), promoted('api', PROMOTED, DAY)]]])
    // The plan creates; the write records the demoted previous's window (steps.ts heldGraceMeta),
    // which the cases above show is honoured.
    expect(plan(config(two), inv, IN_GRACE, {recreate: true}).actions.filter((a) => a.kind === 'retire')).toEqual([])
  })
})
