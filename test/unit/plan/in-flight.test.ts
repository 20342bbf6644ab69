import {describe, expect, it} from 'vitest'
import {plan} from '../../../src/plan/planner.js'
import {config, DAY, HOUR, inventory, promoted, secret, snapshot, version} from './fixtures.js'

const two = [{store: 'local', path: 'a'}, {store: 'other', path: 'b'}]

describe('planner: work an earlier run left in flight', () => {
  it('reuses the value a crashed rotation staged when the secret is due anyway', () => {
    const s = secret({maxAgeMs: 30 * DAY, targets: two})
    const primary = promoted('a', '2026-01-01T00:00:00Z', DAY, false)
    primary.versions.unshift(version('3', 'pending', '2026-03-01T00:00:00Z', {rotationId: 'rot-staged'}))
    const secondary = promoted('b', '2026-01-01T00:00:00Z', DAY, false)
    const result = plan(config(s), inventory([[s, [primary, secondary]]]), new Date('2026-03-01T01:00:00Z'))
    expect(result.actions).toEqual([expect.objectContaining({kind: 'rotate', reason: 'max-age', resume: 'rot-staged'})])
  })

  it('rolls back a pending version of another rotation and reuses the primary one', () => {
    const s = secret({maxAgeMs: 30 * DAY, targets: two})
    const primary = promoted('a', '2026-01-01T00:00:00Z', DAY, false)
    primary.versions.unshift(version('3', 'pending', '2026-03-01T00:00:00Z', {rotationId: 'rot-new'}))
    const secondary = promoted('b', '2026-01-01T00:00:00Z', DAY, false)
    secondary.versions.unshift(version('5', 'pending', '2026-02-28T00:00:00Z', {rotationId: 'rot-older'}))
    const result = plan(config(s), inventory([[s, [primary, secondary]]]), new Date('2026-03-01T01:00:00Z'))
    expect(result.actions).toEqual([
      {kind: 'rollback-pending', secret: 'api', target: two[1], versionId: '5', rotationId: 'rot-older'},
      expect.objectContaining({kind: 'rotate', resume: 'rot-new'}),
    ])
  })

  it('rolls the pending version back instead when an emergency rotation is asked for', () => {
    const s = secret({maxAgeMs: 30 * DAY})
    const snap = promoted('api', '2026-03-01T00:00:00Z', DAY, false)
    snap.versions.unshift(version('3', 'pending', '2026-03-02T00:00:00Z', {rotationId: 'rot-staged'}))
    const result = plan(config(s), inventory([[s, [snap]]]), new Date('2026-03-02T01:00:00Z'), {
      force: new Map([['api', {emergency: true, reason: 'leak'}]]),
    })
    expect(result.actions).toEqual([
      expect.objectContaining({kind: 'rollback-pending', versionId: '3'}),
      {kind: 'rotate', secret: 'api', reason: 'emergency', emergency: true, note: 'leak'},
    ])
  })

  it('finishes an interrupted emergency rotation as an emergency, from the intent on the primary', () => {
    const s = secret({maxAgeMs: 30 * DAY, targets: two})
    const primary = snapshot('a', [version('3', 'current', '2026-03-02T00:00:00Z', {rotationId: 'rot-e'}), version('2', 'previous', '2026-03-01T00:00:00Z')], {
      rotationId: 'rot-e',
      rotationEmergency: 'true',
    })
    const secondary = promoted('b', '2026-03-01T00:00:00Z', DAY, false)
    const result = plan(config(s), inventory([[s, [primary, secondary]]]), new Date('2026-03-02T01:00:00Z'))
    expect(result.actions).toEqual([expect.objectContaining({kind: 'rotate', resume: 'rot-e', emergency: true, reason: 'emergency'})])
  })

  it('starts an emergency rotation again when a crash lost it before anything was staged', () => {
    const s = secret({maxAgeMs: 30 * DAY})
    const snap = promoted('api', '2026-03-01T00:00:00Z', DAY, false)
    snap.meta = {...snap.meta, rotationId: 'rot-e', rotationEmergency: 'true'}
    const result = plan(config(s), inventory([[s, [snap]]]), new Date('2026-03-01T01:00:00Z'))
    expect(result.actions).toEqual([{kind: 'rotate', secret: 'api', reason: 'emergency', emergency: true, note: 'finishing an interrupted emergency rotation'}])
  })
})

describe('planner: a rotation while the previous version is in grace', () => {
  const s = secret({maxAgeMs: 2 * HOUR, graceMs: DAY})
  const inv = inventory([[s, [promoted('api', '2026-03-01T00:00:00Z', DAY)]]])
  const at = new Date('2026-03-01T03:00:00Z')

  it('waits with a due rotation, and says until when', () => {
    const result = plan(config(s), inv, at)
    expect(result.actions).toEqual([])
    expect(result.blocked).toEqual([])
    expect(result.deferred).toEqual([expect.objectContaining({secret: 'api', until: '2026-03-02T00:00:00.000Z'})])
  })

  it('refuses a forced rotation with a clear reason', () => {
    const result = plan(config(s), inv, at, {force: new Map([['api', {emergency: false}]])})
    expect(result.actions).toEqual([])
    expect(result.blocked).toEqual([expect.objectContaining({reason: expect.stringContaining('valid until 2026-03-02T00:00:00.000Z')})])
  })

  it('lets an emergency rotation through: the old values must die anyway', () => {
    const result = plan(config(s), inv, at, {force: new Map([['api', {emergency: true, reason: 'leak'}]])})
    expect(result.actions).toEqual([expect.objectContaining({kind: 'rotate', emergency: true})])
  })

  it('rotates once the grace window is over, and retires the previous version in the same run', () => {
    const result = plan(config(s), inv, new Date('2026-03-02T00:00:00Z'))
    expect(result.actions.map((a) => a.kind)).toEqual(['rotate', 'retire'])
  })
})

describe('planner: rollback', () => {
  const s = secret({maxAgeMs: 30 * DAY, graceMs: DAY, targets: two})
  const rollback = {rollback: new Set(['api'])}

  it('plans a rollback to the previous version within its grace window', () => {
    const inv = inventory([[s, [promoted('a', '2026-03-01T00:00:00Z', DAY), promoted('b', '2026-03-01T00:00:00Z', DAY)]]])
    const result = plan(config(s), inv, new Date('2026-03-01T12:00:00Z'), rollback)
    expect(result).toMatchObject({
      actions: [{kind: 'rollback', secret: 'api', toVersion: '1', fromVersion: '2', graceEndsAt: '2026-03-02T00:00:00.000Z'}],
      blocked: [],
    })
  })

  it('refuses after the grace window', () => {
    const inv = inventory([[s, [promoted('a', '2026-03-01T00:00:00Z', DAY), promoted('b', '2026-03-01T00:00:00Z', DAY)]]])
    const result = plan(config(s), inv, new Date('2026-03-02T00:00:01Z'), rollback)
    expect(result.actions).toEqual([])
    expect(result.blocked).toEqual([expect.objectContaining({reason: expect.stringContaining('grace window of the previous version ended')})])
  })

  it('refuses when there is no previous version, or a rotation is in flight', () => {
    const lone = inventory([[s, [promoted('a', '2026-03-01T00:00:00Z', DAY, false), promoted('b', '2026-03-01T00:00:00Z', DAY, false)]]])
    expect(plan(config(s), lone, new Date('2026-03-01T12:00:00Z'), rollback).blocked).toEqual([
      expect.objectContaining({reason: expect.stringContaining('has never been rotated')}),
    ])
    const retired = promoted('a', '2026-03-01T00:00:00Z', DAY, false)
    retired.versions.push(version('1', 'retired', '2026-01-01T00:00:00Z', {enabled: false}))
    const afterRetire = inventory([[s, [retired, promoted('b', '2026-03-01T00:00:00Z', DAY, false)]]])
    expect(plan(config(s), afterRetire, new Date('2026-03-01T12:00:00Z'), rollback).blocked).toEqual([
      expect.objectContaining({reason: expect.stringContaining('no previous version'), hint: expect.stringContaining('retired')}),
    ])
    const staged = promoted('a', '2026-03-01T00:00:00Z', DAY)
    staged.versions.unshift(version('3', 'pending', '2026-03-01T10:00:00Z', {rotationId: 'rot-x'}))
    const inFlight = inventory([[s, [staged, promoted('b', '2026-03-01T00:00:00Z', DAY)]]])
    expect(plan(config(s), inFlight, new Date('2026-03-01T12:00:00Z'), rollback).blocked).toEqual([
      expect.objectContaining({reason: expect.stringContaining('in flight')}),
    ])
  })
})
