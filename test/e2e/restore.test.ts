/**
 * Losing the primary (its store file deleted: a fresh pod, an unmounted volume) must not make
 * `apply` mint a new value over the other targets' live versions. Through the built CLI: apply
 * blocks (exit 3) and changes nothing; `rotor restore` puts the same value and rotation id back
 * (and the previous value, in grace), after which apply has nothing to do and status is ok.
 */
import {rm} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {Plan} from '../../src/plan/types.js'
import {json} from '../support/cli.js'
import {at, closeEmulators, type Emulators, makeWorld, type TargetState, type World} from '../fault/support/world.js'

const CREATED = at(0)
const ROTATED = at(31)
const LOST = at(31, 60)
const AFTER_GRACE = at(32, 1)

/** What a target holds, to compare before and after: version ids, roles, values, rotation ids. */
const shape = (s: TargetState) =>
  s.versions.map((v) => ({id: v.id, role: v.role, enabled: v.enabled, rotationId: v.rotationId, value: s.values.get(v.id)}))

async function rotatedThenLost(world: World): Promise<TargetState[]> {
  expect((await world.cli(['apply', '--yes'], CREATED)).code).toBe(0)
  const rotate = await world.cli(['apply', '--yes'], ROTATED)
  expect(rotate.code, rotate.stderr).toBe(0)
  const before = await world.inspect()
  await rm(join(world.dir, 'a.enc'))
  await rm(join(world.dir, 'file.key'))
  return before
}

describe('a lost primary (built CLI)', () => {
  let emulators: Emulators | undefined
  beforeAll(async () => {
    const {startEmulators} = await import('../fault/support/world.js')
    emulators = await startEmulators()
  })
  afterAll(async () => {
    await closeEmulators(emulators)
  })

  it('apply blocks it (exit 3, nothing changed); restore brings the same value back; apply then has nothing to do', async () => {
    const world = await makeWorld({name: 'restore-lost', emulators})
    try {
      const before = await rotatedThenLost(world)
      const others = before.slice(1)
      const [primaryBefore] = before

      const apply = await world.cli(['apply', '--yes', '--json'], LOST)
      expect(apply.code, apply.stdout + apply.stderr).toBe(3)
      const {blocked} = (json(apply) as {plan: Plan}).plan
      // The lost store file is an error naming the way back, not an empty store.
      expect(blocked[0].reason).toContain('a.enc')
      expect(blocked[0].reason).toContain('is missing, but the audit log')
      expect(blocked[0].reason).toContain('rotor restore')
      expect((await world.inspect()).slice(1).map(shape)).toEqual(others.map(shape))

      const plan = await world.cli(['plan'], LOST)
      expect(plan.stdout).toContain('blocked')
      // A look that changes nothing says what apply would: the secret is blocked (3), not "no changes" (0).
      expect(plan.code, plan.stderr).toBe(3)
      expect((await world.cli(['plan', '--detailed-exitcode', '--json'], LOST)).code).toBe(3)
      const dry = await world.cli(['apply', '--dry-run', '--json'], LOST)
      expect(dry.code, dry.stderr).toBe(3)
      expect((json(dry) as {plan: Plan}).plan.blocked.length).toBeGreaterThan(0)

      const restore = await world.cli(['restore', 'api', '--yes', '--json'], LOST)
      expect(restore.code, restore.stdout + restore.stderr).toBe(0)
      const after = await world.inspect()
      expect(after.slice(1).map(shape)).toEqual(others.map(shape))
      const primary = after[0]
      expect(primary.current?.rotationId).toBe(primaryBefore.current?.rotationId)
      expect(primary.values.get(primary.current!.id)).toBe(primaryBefore.values.get(primaryBefore.current!.id))
      // The previous value is still in its grace window: restored too, with its rotation id.
      const previousBefore = primaryBefore.versions.find((v) => v.role === 'previous')!
      const previous = primary.versions.find((v) => v.role === 'previous')
      expect(previous?.rotationId).toBe(previousBefore.rotationId)
      expect(primary.values.get(previous!.id)).toBe(primaryBefore.values.get(previousBefore.id))
      expect(primary.meta.graceEndsAt).toBe(primaryBefore.meta.graceEndsAt)
      expect(primary.meta.promotedAt).toBe(primaryBefore.meta.promotedAt)

      const again = await world.cli(['apply', '--yes', '--json'], LOST)
      expect(again.code, again.stdout + again.stderr).toBe(0)
      expect((json(again) as {plan: Plan}).plan.actions).toEqual([])
      const rerun = await world.cli(['restore', 'api', '--yes'], LOST)
      expect(rerun.code, rerun.stderr).toBe(0)
      expect((await world.inspect()).map(shape)).toEqual(after.map(shape))
      const status = await world.cli(['status'], LOST)
      expect(status.code, status.stdout + status.stderr).toBe(0)

      // The restored previous version is retired only once its grace window is over.
      const late = await world.cli(['apply', '--yes', '--json'], AFTER_GRACE)
      expect(late.code, late.stderr).toBe(0)
      const retired = (json(late) as {plan: Plan}).plan.actions.filter((a) => a.kind === 'retire')
      expect(retired).toHaveLength(before.length)
      for (const r of retired) expect(r.graceEndedAt).toBe(primaryBefore.meta.graceEndsAt)
      const entries = await world.auditEntries()
      expect(entries.filter((e) => e.action === 'restore')).toHaveLength(1)
    } finally {
      await world.close()
    }
  })

  it('refuses to restore (exit 1) when no target holds a rotor-owned value, and apply --recreate creates it', async () => {
    const world = await makeWorld({name: 'restore-nothing'})
    try {
      expect((await world.cli(['apply', '--yes'], CREATED)).code).toBe(0)
      for (const file of ['a.enc', 'b.enc']) await rm(join(world.dir, file))
      // The audit log still knows the secret: apply blocks it as well.
      const apply = await world.cli(['apply', '--yes'], LOST)
      expect(apply.code, apply.stdout + apply.stderr).toBe(3)
      const restore = await world.cli(['restore', 'api', '--yes'], LOST)
      expect(restore.code, restore.stdout + restore.stderr).toBe(1)
      expect(restore.stderr).toContain('nothing to restore from')
      const recreate = await world.cli(['apply', '--yes', '--recreate'], LOST)
      expect(recreate.code, recreate.stderr).toBe(0)
      const states = await world.inspect()
      expect(states.every((s) => s.current !== undefined)).toBe(true)
    } finally {
      await world.close()
    }
  })
})
