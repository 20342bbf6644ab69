/**
 * `rotor rollback` through the built CLI: within the grace window the previous value becomes
 * current again on every target (file stores reinstate the old version; AWS and Vault get the
 * old value as a new version), audit-logged; after the window it is refused with exit 1.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {json} from '../support/cli.js'
import {currentValues, holds} from '../fault/support/checks.js'
import {at, closeEmulators, type Emulators, makeWorld, startEmulators, type World} from '../fault/support/world.js'

const CREATED = at(0)
const ROTATED = at(31)
const ROLLED_BACK = at(31, 120)
const AFTER_GRACE = at(32, 1)

async function rotated(world: World): Promise<{oldValue: string; newValue: string}> {
  expect((await world.cli(['apply', '--yes'], CREATED)).code).toBe(0)
  const oldValue = currentValues(await world.inspect())[0]
  const rotate = await world.cli(['apply', '--yes'], ROTATED)
  expect(rotate.code, rotate.stderr).toBe(0)
  const newValue = currentValues(await world.inspect())[0]
  expect(newValue).not.toBe(oldValue)
  return {oldValue, newValue}
}

describe('rotor rollback (built CLI)', () => {
  let emulators: Emulators
  beforeAll(async () => {
    emulators = await startEmulators()
  })
  afterAll(async () => {
    await closeEmulators(emulators)
  })

  it('reinstates the previous version on file stores and keeps the rolled-back value valid', async () => {
    const world = await makeWorld({name: 'rollback-files'})
    try {
      const {oldValue, newValue} = await rotated(world)
      const run = await world.cli(['rollback', 'api', '--yes', '--json'], ROLLED_BACK)
      expect(run.code, run.stdout + run.stderr).toBe(0)
      expect(json(run)).toMatchObject({report: {results: [{action: {kind: 'rollback'}, outcome: 'ok'}]}})
      const states = await world.inspect()
      expect(currentValues(states)).toEqual(states.map(() => oldValue))
      for (const s of states) {
        expect(holds(s, newValue), `${s.target} dropped the rolled-back value`).toBe(true)
        // The old version itself is current again: no new version was written.
        expect(s.versions).toHaveLength(2)
        expect(s.meta.graceEndsAt).toBe(new Date(Date.parse(ROLLED_BACK) + 86_400_000).toISOString())
      }
      const entries = await world.auditEntries()
      expect(entries.filter((e) => e.action === 'reinstate' && e.outcome === 'ok')).toHaveLength(states.length)
      const verify = await world.cli(['audit', 'verify', '--json'], ROLLED_BACK)
      expect(verify.code, verify.stdout + verify.stderr).toBe(0)
      // Settled: the next run has nothing to do until the new grace window ends.
      const plan = await world.cli(['plan', '--detailed-exitcode'], ROLLED_BACK)
      expect(plan.code, plan.stdout).toBe(0)
    } finally {
      await world.close()
    }
  })

  it('writes the previous value as a new current version where a store cannot reinstate', async () => {
    const world = await makeWorld({name: 'rollback-cloud', emulators})
    try {
      const {oldValue, newValue} = await rotated(world)
      const run = await world.cli(['rollback', 'api', '--yes', '--json'], ROLLED_BACK)
      expect(run.code, run.stdout + run.stderr).toBe(0)
      const states = await world.inspect()
      expect(currentValues(states)).toEqual(states.map(() => oldValue))
      for (const s of states) expect(holds(s, newValue), `${s.target} dropped the rolled-back value`).toBe(true)
      const rotationIds = new Set(states.map((s) => s.current!.rotationId))
      expect(rotationIds.size).toBe(1)
      const entries = await world.auditEntries()
      expect(entries.filter((e) => e.reason === 'rollback' && e.outcome === 'ok' && (e.action === 'promote' || e.action === 'write'))).toHaveLength(states.length)
      // The next run only retires the copies of the old value that lost their role.
      const apply = await world.cli(['apply', '--yes'], ROLLED_BACK)
      expect(apply.code, apply.stderr).toBe(0)
      expect(currentValues(await world.inspect())).toEqual(states.map(() => oldValue))
      const settled = await world.cli(['plan', '--detailed-exitcode'], ROLLED_BACK)
      expect(settled.code, settled.stdout + apply.stdout).toBe(0)
    } finally {
      await world.close()
    }
  })

  it('refuses with a clear message once the grace window is over', async () => {
    const world = await makeWorld({name: 'rollback-late'})
    try {
      const {newValue} = await rotated(world)
      const run = await world.cli(['rollback', 'api', '--yes'], AFTER_GRACE)
      expect(run.code).toBe(1)
      expect(run.stderr).toContain(`cannot roll back api: the grace window of the previous version ended at ${new Date(Date.parse(ROTATED) + 86_400_000).toISOString()}`)
      expect(run.stderr).toContain('rotor rotate api')
      expect(currentValues(await world.inspect())[0]).toBe(newValue)
      const noTerminal = await world.cli(['rollback', 'api'], ROLLED_BACK)
      expect(noTerminal.code).toBe(64)
      expect(noTerminal.stderr).toContain('--yes')
    } finally {
      await world.close()
    }
  })
})
