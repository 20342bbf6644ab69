import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {expect} from 'vitest'
import {KILL_AT, type TargetState, type World} from './world.js'

/**
 * An undisturbed create, then a rotation with every checkpoint logged: the labels of the steps a
 * matrix kills after. Closes the world.
 */
export async function checkpointLabels(world: Pick<World, 'dir' | 'cli' | 'close'>, created: string, due: string): Promise<string[]> {
  try {
    const create = await world.cli(['apply', '--yes'], created)
    expect(create.code, create.stderr).toBe(0)
    const log = join(world.dir, 'checkpoints.log')
    const run = await world.cli(['apply', '--yes'], due, {preload: [KILL_AT], env: {ROTOR_CHECKPOINT_LOG: log}})
    expect(run.code, run.stderr).toBe(0)
    return (await readFile(log, 'utf8')).trim().split('\n')
  } finally {
    await world.close()
  }
}

/** The value of each target's current version; fails when a target has none it can serve. */
export function currentValues(states: TargetState[]): string[] {
  return states.map((s) => {
    expect(s.current, `${s.target} has no valid current version`).toBeDefined()
    const value = s.values.get(s.current!.id)
    expect(value, `${s.target} current version ${s.current!.id} cannot be read`).toBeDefined()
    return value!
  })
}

/** True when `value` is held by an enabled, readable version of the target. */
export const holds = (state: TargetState, value: string): boolean => [...state.values.values()].includes(value)

/** Every target serves a current value, and the old value still works everywhere. */
export function expectNoOutage(states: TargetState[], oldValue: string, when: string): void {
  currentValues(states)
  for (const s of states) expect(holds(s, oldValue), `${when}: ${s.target} no longer accepts the old value`).toBe(true)
}

/** One new current value on every target, the old one as the valid previous version. */
export function expectConverged(states: TargetState[], oldValue: string): string {
  const values = currentValues(states)
  expect(new Set(values).size, `targets disagree: ${states.map((s) => `${s.target}=${s.current?.id}`).join(', ')}`).toBe(1)
  expect(values[0]).not.toBe(oldValue)
  for (const s of states) {
    const previous = s.versions.find((v) => v.role === 'previous' && v.enabled)
    expect(previous, `${s.target} has no valid previous version`).toBeDefined()
    expect(s.values.get(previous!.id), `${s.target} previous is not the old value`).toBe(oldValue)
  }
  return values[0]
}

/**
 * Every version rotor wrote, on every target, has an audit entry on that target naming its
 * rotation id: an intent is written before the store call, so even a kill right after the call
 * leaves the version's record.
 */
export function expectEveryVersionAudited(states: TargetState[], entries: Array<Record<string, unknown>>, when: string): void {
  for (const s of states) {
    for (const v of s.versions) {
      expect(v.rotationId, `${when}: ${s.target} version ${v.id} has no rotation id`).toBeDefined()
      const named = entries.some((e) => e.target === s.target && e.rotationId === v.rotationId)
      expect(named, `${when}: no audit entry on ${s.target} names rotation ${v.rotationId} (version ${v.id})`).toBe(true)
    }
  }
}

/** `rotor audit verify` (chain, HMACs, every anchor in the stores) passes through the built CLI. */
export async function expectAuditVerifies(cli: (args: string[]) => Promise<{code: number; stdout: string; stderr: string}>, when: string): Promise<void> {
  const result = await cli(['audit', 'verify', '--json'])
  const body = JSON.parse(result.stdout) as {ok: boolean; problems: unknown[]; anchors: Array<{ok: boolean}>}
  expect({code: result.code, problems: body.problems}, `${when}: audit verify`).toEqual({code: 0, problems: []})
  expect(body.anchors.length, `${when}: the primary holds an anchor`).toBeGreaterThan(0)
}
