import {describe, expect, it} from 'vitest'
import {copyRotationId, detectDrift, sameRotation, valuesNeeded, versionKey} from '../../../src/plan/drift.js'
import {planSync} from '../../../src/plan/sync.js'
import {config, inventory, promoted, secret, snapshot, version} from './fixtures.js'

const NOW = new Date('2026-03-01T00:00:00Z')
const two = secret({targets: [{store: 'local', path: 'api'}, {store: 'other', path: 'api'}]})

describe('drift (pure)', () => {
  it('needs no value where rotation ids decide, and both values where one side has none', () => {
    const same = inventory([[two, [promoted('api', '2026-02-01T00:00:00Z', 0, false), promoted('api', '2026-02-01T00:00:00Z', 0, false)]]])
    expect(valuesNeeded(two, same.get('api')!, NOW)).toEqual([])
    const foreign = snapshot('api', [version('9', 'current', '2026-02-02T00:00:00Z', {rotationId: undefined})])
    const mixed = inventory([[two, [promoted('api', '2026-02-01T00:00:00Z', 0, false), foreign]]])
    expect(valuesNeeded(two, mixed.get('api')!, NOW).map((r) => `${r.target.store}:${r.versionId}`)).toEqual(['local:2', 'other:9'])
    // Undecided without fingerprints: reported, and sync writes nothing it cannot prove different.
    expect(detectDrift(two, mixed.get('api')!, NOW).targets[1].drift).toEqual(['unknown'])
    const plan = planSync(config(two), mixed, NOW)
    expect(plan.actions).toEqual([])
    expect(plan.blocked[0].reason).toContain('could not compare')
    const prints = new Map([
      [versionKey({store: 'local', path: 'api'}, '2'), 'a'.repeat(64)],
      [versionKey({store: 'other', path: 'api'}, '9'), 'a'.repeat(64)],
    ])
    expect(detectDrift(two, mixed.get('api')!, NOW, prints).targets[1]).toMatchObject({drift: [], proof: 'fingerprint', fingerprint: 'aaaaaaaaaa'})
    expect(planSync(config(two), mixed, NOW, prints).actions).toEqual([])
  })

  it('copies under <id>-c<n> when the target already holds the rotation as an older version', () => {
    expect(copyRotationId('rot-a', [])).toBe('rot-a')
    const held = [version('1', 'previous', '2026-01-01T00:00:00Z', {rotationId: 'rot-a'})]
    expect(copyRotationId('rot-a', held)).toBe('rot-a-c1')
    expect(copyRotationId('rot-a', [...held, version('2', 'retired', '2026-01-02T00:00:00Z', {rotationId: 'rot-a-c1'})])).toBe('rot-a-c2')
    expect(sameRotation('rot-a-c2', 'rot-a')).toBe(true)
    expect(sameRotation('rot-a', 'rot-b')).toBe(false)
  })
})
