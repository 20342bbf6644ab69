import {describe, expect, it} from 'vitest'
import {plan} from '../../../src/plan/planner.js'
import {config, DAY, HOUR, inventory, missing, promoted, secret, snapshot, version} from './fixtures.js'

const weekly = {cron: '0 3 * * 1', timezone: 'UTC'}

describe('planner', () => {
  it('creates a secret that exists nowhere, on every target', () => {
    const s = secret({targets: [{store: 'local', path: 'api'}, {store: 'other', path: 'api'}], maxAgeMs: 30 * DAY})
    const result = plan(config(s), inventory([[s, [missing('api'), missing('api')]]]), new Date('2026-03-01T00:00:00Z'))
    expect(result.actions).toEqual([{kind: 'create', secret: 'api', targets: s.targets}])
    expect(result.blocked).toEqual([])
  })

  it('rotates when a cron tick has passed since the current version was promoted', () => {
    const s = secret({schedule: weekly})
    // Promoted Tuesday; the next Monday 03:00 tick is 2026-03-09T03:00Z.
    const inv = inventory([[s, [promoted('api', '2026-03-03T10:00:00Z', DAY)]]])
    expect(plan(config(s), inv, new Date('2026-03-09T02:59:59Z')).actions.filter((a) => a.kind === 'rotate')).toEqual([])
    const due = plan(config(s), inv, new Date('2026-03-09T03:00:00Z')).actions.find((a) => a.kind === 'rotate')
    expect(due).toMatchObject({kind: 'rotate', reason: 'schedule', dueAt: '2026-03-09T03:00:00.000Z', emergency: false})
  })

  it('rotates by max age, measured from the promotion', () => {
    const s = secret({maxAgeMs: 30 * DAY})
    const inv = inventory([[s, [promoted('api', '2026-03-01T00:00:00Z', DAY)]]])
    expect(plan(config(s), inv, new Date('2026-03-30T23:59:59Z')).actions.some((a) => a.kind === 'rotate')).toBe(false)
    expect(plan(config(s), inv, new Date('2026-03-31T00:00:00Z')).actions).toContainEqual(
      expect.objectContaining({kind: 'rotate', reason: 'max-age', dueAt: '2026-03-31T00:00:00.000Z'}),
    )
  })

  it('takes the earlier of cron and max age', () => {
    const s = secret({schedule: {cron: '0 0 1 * *', timezone: 'UTC'}, maxAgeMs: 3 * DAY})
    const inv = inventory([[s, [promoted('api', '2026-03-10T00:00:00Z', HOUR)]]])
    const result = plan(config(s), inv, new Date('2026-03-13T00:00:00Z'))
    expect(result.actions).toContainEqual(expect.objectContaining({kind: 'rotate', reason: 'max-age'}))
  })

  it('does nothing for a secret that is not yet due and out of grace', () => {
    const s = secret({schedule: weekly})
    const inv = inventory([[s, [promoted('api', '2026-03-03T10:00:00Z', DAY, false)]]])
    expect(plan(config(s), inv, new Date('2026-03-05T00:00:00Z'))).toMatchObject({actions: [], blocked: []})
  })

  it('keeps the previous version while the grace window lasts', () => {
    const s = secret({schedule: weekly, graceMs: DAY})
    const inv = inventory([[s, [promoted('api', '2026-03-03T10:00:00Z', DAY)]]])
    expect(plan(config(s), inv, new Date('2026-03-04T09:59:59Z')).actions).toEqual([])
  })

  it('retires the previous version once the grace window is over', () => {
    const s = secret({schedule: weekly, graceMs: DAY, retire: 'destroy'})
    const inv = inventory([[s, [promoted('api', '2026-03-03T10:00:00Z', DAY)]]])
    expect(plan(config(s), inv, new Date('2026-03-04T10:00:00Z')).actions).toEqual([
      {
        kind: 'retire',
        secret: 'api',
        target: s.targets[0],
        versionId: '1',
        mode: 'destroy',
        graceEndedAt: '2026-03-04T10:00:00.000Z',
      },
    ])
  })

  it('follows a zoned cron across the spring-forward DST change', () => {
    // 02:30 Europe/Berlin does not exist on 2026-03-29; cron-parser runs it at 03:30 CEST = 01:30Z.
    const s = secret({schedule: {cron: '30 2 * * *', timezone: 'Europe/Berlin'}, graceMs: HOUR})
    const inv = inventory([[s, [promoted('api', '2026-03-28T12:00:00Z', HOUR, false)]]])
    expect(plan(config(s), inv, new Date('2026-03-29T01:29:59Z')).actions).toEqual([])
    expect(plan(config(s), inv, new Date('2026-03-29T01:30:00Z')).actions).toContainEqual(
      expect.objectContaining({kind: 'rotate', dueAt: '2026-03-29T01:30:00.000Z'}),
    )
  })

  it('follows a zoned cron across the fall-back DST change', () => {
    // 03:00 Europe/Berlin on 2026-10-25 is 02:00Z (CET, +1), a day after 01:00Z (CEST, +2).
    const s = secret({schedule: {cron: '0 3 * * *', timezone: 'Europe/Berlin'}, graceMs: HOUR})
    const inv = inventory([[s, [promoted('api', '2026-10-24T01:00:00Z', HOUR, false)]]])
    expect(plan(config(s), inv, new Date('2026-10-25T01:59:59Z')).actions).toEqual([])
    expect(plan(config(s), inv, new Date('2026-10-25T02:00:00Z')).actions).toContainEqual(
      expect.objectContaining({kind: 'rotate', dueAt: '2026-10-25T02:00:00.000Z'}),
    )
  })

  it('rotates a forced secret now, as an emergency when asked', () => {
    const s = secret({maxAgeMs: 30 * DAY})
    const inv = inventory([[s, [promoted('api', '2026-03-01T00:00:00Z', DAY, false)]]])
    const result = plan(config(s), inv, new Date('2026-03-02T00:00:00Z'), {
      force: new Map([['api', {emergency: true, reason: 'leak'}]]),
    })
    expect(result.actions).toEqual([{kind: 'rotate', secret: 'api', reason: 'emergency', emergency: true, note: 'leak'}])
  })

  it('repairs a secondary target that is missing or lags the primary', () => {
    const s = secret({maxAgeMs: 30 * DAY, targets: [{store: 'local', path: 'a'}, {store: 'other', path: 'b'}, {store: 'other', path: 'c'}]})
    const primary = promoted('a', '2026-03-01T00:00:00Z', DAY, false)
    const lagging = snapshot('b', [version('7', 'current', '2026-02-01T00:00:00Z', {rotationId: 'rot-old'})])
    const result = plan(config(s), inventory([[s, [primary, lagging, missing('c')]]]), new Date('2026-03-02T00:00:00Z'))
    expect(result.actions.filter((a) => a.kind === 'repair')).toEqual([
      {kind: 'repair', secret: 'api', target: s.targets[1], problem: 'stale', rotationId: 'rot-2'},
      {kind: 'repair', secret: 'api', target: s.targets[2], problem: 'missing', rotationId: 'rot-2'},
    ])
  })

  it('does not repair what a due rotation will rewrite anyway', () => {
    const s = secret({maxAgeMs: DAY * 2, graceMs: HOUR, targets: [{store: 'local', path: 'a'}, {store: 'other', path: 'b'}]})
    const result = plan(config(s), inventory([[s, [promoted('a', '2026-03-01T00:00:00Z', HOUR, false), missing('b')]]]), new Date('2026-03-05T00:00:00Z'))
    expect(result.actions.map((a) => a.kind)).toEqual(['rotate'])
  })

  it('blocks a secret it does not own, and adopts it when the config says so', () => {
    const foreign = snapshot('api', [version('1', 'current', '2026-01-01T00:00:00Z', {rotationId: undefined})], {}, false)
    const s = secret({maxAgeMs: 365 * DAY})
    const blocked = plan(config(s), inventory([[s, [foreign]]]), new Date('2026-03-01T00:00:00Z'))
    expect(blocked.actions).toEqual([])
    expect(blocked.blocked).toEqual([expect.objectContaining({secret: 'api', reason: expect.stringContaining('not managed by rotor')})])
    const adopted = secret({maxAgeMs: 365 * DAY, adopt: true})
    const result = plan(config(adopted), inventory([[adopted, [foreign]]]), new Date('2026-03-01T00:00:00Z'))
    expect(result.actions).toEqual([{kind: 'adopt', secret: 'api', target: adopted.targets[0]}])
  })

  it('blocks a secret whose target could not be read, and plans the others', () => {
    const a = secret({name: 'a', maxAgeMs: DAY})
    const b = secret({name: 'b', maxAgeMs: DAY, targets: [{store: 'local', path: 'b'}]})
    const result = plan(config(a, b), inventory([[a, [new Error('connection reset')]], [b, [missing('b')]]]), new Date())
    expect(result.blocked).toEqual([expect.objectContaining({secret: 'a', reason: expect.stringContaining('connection reset')})])
    expect(result.actions).toEqual([expect.objectContaining({kind: 'create', secret: 'b'})])
  })

  it('rolls back a pending version no target promoted', () => {
    const s = secret({maxAgeMs: 30 * DAY})
    const snap = promoted('api', '2026-03-01T00:00:00Z', DAY, false)
    snap.versions.unshift(version('3', 'pending', '2026-03-02T00:00:00Z', {rotationId: 'rot-crashed'}))
    const result = plan(config(s), inventory([[s, [snap]]]), new Date('2026-03-02T01:00:00Z'))
    expect(result.actions).toEqual([
      {kind: 'rollback-pending', secret: 'api', target: s.targets[0], versionId: '3', rotationId: 'rot-crashed'},
    ])
  })

  it('rolls a rotation forward when any target already promoted it', () => {
    const s = secret({maxAgeMs: 30 * DAY, targets: [{store: 'local', path: 'a'}, {store: 'other', path: 'b'}]})
    const primary = snapshot('a', [version('3', 'current', '2026-03-02T00:00:00Z', {rotationId: 'rot-x'}), version('2', 'previous', '2026-03-01T00:00:00Z')])
    const secondary = snapshot('b', [version('9', 'pending', '2026-03-02T00:00:00Z', {rotationId: 'rot-x'}), version('8', 'current', '2026-03-01T00:00:00Z', {rotationId: 'rot-2'})])
    const result = plan(config(s), inventory([[s, [primary, secondary]]]), new Date('2026-03-02T01:00:00Z'))
    expect(result.actions).toEqual([expect.objectContaining({kind: 'rotate', resume: 'rot-x'})])
  })

  it('starts the grace window now when the promotion time was lost, instead of retiring early', () => {
    const s = secret({maxAgeMs: 30 * DAY})
    const snap = snapshot('api', [version('2', 'current', '2026-03-01T00:00:00Z'), version('1', 'previous', '2026-02-01T00:00:00Z')], {
      promotedVersion: '1',
    })
    const result = plan(config(s), inventory([[s, [snap]]]), new Date('2026-03-20T00:00:00Z'))
    expect(result.actions).toEqual([{kind: 'record-promotion', secret: 'api', target: s.targets[0], versionId: '2'}])
  })

  it('retires enabled versions left without a role', () => {
    const s = secret({maxAgeMs: 30 * DAY})
    const snap = promoted('api', '2026-03-01T00:00:00Z', DAY)
    snap.versions.push(version('0', 'retired', '2025-12-01T00:00:00Z'))
    const result = plan(config(s), inventory([[s, [snap]]]), new Date('2026-03-01T12:00:00Z'))
    expect(result.actions).toEqual([{kind: 'retire', secret: 'api', target: s.targets[0], versionId: '0', mode: 'disable'}])
  })

  it('skips secrets that are not in the inventory (not selected)', () => {
    const a = secret({name: 'a', maxAgeMs: DAY})
    const b = secret({name: 'b', maxAgeMs: DAY})
    expect(plan(config(a, b), inventory([[b, [missing('api')]]]), new Date()).actions.map((x) => x.secret)).toEqual(['b'])
  })
})
