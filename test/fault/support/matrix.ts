/**
 * The fault matrix, shared by the test files that run it on different stores: a rotation of one
 * secret with four targets (two file stores and two cloud emulators), run by the built CLI,
 * killed with SIGKILL right after store-changing action N, for every N from the first action to
 * the last. Then `apply` runs again. For every N: all targets converge on one current value, the
 * old value stays valid until its grace ends, no target ever lacks a valid version, no version
 * exists that the plan did not create, and the audit log holds both runs and verifies.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {json} from '../../support/cli.js'
import {checkpointLabels, currentValues, expectAuditVerifies, expectConverged, expectEveryVersionAudited, expectNoOutage} from './checks.js'
import {at, closeEmulators, KILL_AT, makeWorld, type StoreEmulators} from './world.js'

const CREATED = at(0)
/** 31 days later: the secret (maxAge 30d) is due. */
const DUE = at(31)
const RECOVERY = at(31, 1)
const GRACE_MS = 86_400_000
const AFTER_GRACE = at(32, 5)

export interface CrashMatrixOptions {
  /** Names the stores in the suite's title. */
  stores: string
  /** Starts the emulators the worlds share (closed after the suite). */
  start: () => Promise<StoreEmulators>
  /** More than the actions of one rotation; the counting test fails if it ever is not. */
  maxActions: number
}

export function describeCrashMatrix({stores, start, maxActions}: CrashMatrixOptions): void {
  describe(`fault matrix (${stores}): SIGKILL after each store-changing action of a rotation`, () => {
    let emulators: StoreEmulators | undefined
    let labels: string[] = []

    beforeAll(async () => {
      emulators = await start()
      // An undisturbed rotation, to learn how many actions there are and what they are.
      labels = await checkpointLabels(await makeWorld({name: 'count', emulators}), CREATED, DUE)
    }, 300_000)
    afterAll(async () => {
      await closeEmulators(emulators)
    })

    it('covers every action of the rotation', () => {
      expect(labels.length).toBeGreaterThan(8)
      expect(labels.length, labels.join('\n')).toBeLessThanOrEqual(maxActions)
      const kinds = labels.map((l) => l.split(' ')[1])
      for (const kind of ['lease', 'stage', 'promote', 'write', 'meta', 'release']) expect(kinds).toContain(kind)
    })

    const ns = Array.from({length: maxActions}, (_, i) => i + 1)
    // Up to five worlds at once, next to another worker's tests on two cores: each case is given room.
    it.concurrent.for(ns)('killed after action %i, the next apply converges with nothing lost', {timeout: 300_000}, async (n, {skip}) => {
      if (n > labels.length) skip()
      const world = await makeWorld({name: `n${n}`, emulators})
      try {
        const create = await world.cli(['apply', '--yes', '--json'], CREATED)
        expect(create.code, create.stderr).toBe(0)
        const created = await world.inspect()
        const oldValue = currentValues(created)[0]
        const afterCreate = (await world.auditEntries()).length

        const killed = await world.cli(['apply', '--yes', '--json'], DUE, {preload: [KILL_AT], env: {ROTOR_KILL_AT: String(n)}})
        expect(killed.code, `run ${n} was not killed: ${killed.stderr}`).toBe(128)
        const afterKill = (await world.auditEntries()).length
        const killedState = await world.inspect()
        expectNoOutage(killedState, oldValue, `after the kill at ${labels[n - 1]}`)
        expectEveryVersionAudited(killedState, await world.auditEntries(), `after the kill at ${labels[n - 1]}`)
        await expectAuditVerifies((args) => world.cli(args, RECOVERY), `after the kill at ${labels[n - 1]}`)
        if (labels[n - 1].startsWith('stage ') || labels[n - 1].startsWith('promote ')) {
          // `status` names the interrupted rotation and what the next run will do about it.
          const status = json<{secrets: Array<{inFlight?: {rotationIds: string[]}; lease?: {owner: string}; next: string[]}>}>(
            await world.cli(['status', '--json'], RECOVERY),
          )
          expect(status.secrets[0].inFlight?.rotationIds).toHaveLength(1)
          expect(status.secrets[0].lease?.owner).toBeDefined()
          expect(status.secrets[0].next.join('\n')).toMatch(/rotate \((finish interrupted rotation|max-age, due .*, reusing the value staged by rotation) rot-/)
        }

        const recovery = await world.cli(['apply', '--yes', '--json'], RECOVERY)
        expect(recovery.code, recovery.stdout + recovery.stderr).toBe(0)
        const recovered = await world.inspect()
        const newValue = expectConverged(recovered, oldValue)
        for (const target of recovered) {
          // One version from the create, one from the rotation: nothing the plan did not make.
          expect(target.versions.map((v) => v.rotationId), target.target).toHaveLength(2)
          expect(Date.parse(target.meta.graceEndsAt ?? ''), `${target.target} grace`).toBeGreaterThanOrEqual(Date.parse(DUE) + GRACE_MS)
        }

        const settled = await world.cli(['plan', '--detailed-exitcode', '--json'], RECOVERY)
        expect(settled.code, settled.stdout).toBe(0)
        expect(json(settled)).toMatchObject({actions: [], blocked: []})

        // Both runs are in the log: the killed one by the changes it made before the kill, or
        // (killed before its first audited change) by the recovery's takeover or clearing of its
        // lease; the recovery by what it finished, when anything was left to finish.
        const entries = await world.auditEntries()
        const killedEntries = entries.slice(afterCreate, afterKill)
        const recoveryEntries = entries.slice(afterKill)
        const runsOf = (list: typeof entries) => [...new Set(list.map((e) => e.runId))]
        expect(runsOf(killedEntries).length, 'one run per process').toBeLessThanOrEqual(1)
        expect(runsOf(recoveryEntries).length, 'one run per process').toBeLessThanOrEqual(1)
        if (killedEntries.length > 0) expect(runsOf(killedEntries)[0]).not.toBe(entries[0].runId)
        const lease = recoveryEntries.find((e) => e.action === 'lease-takeover' || e.action === 'lease-cleared')
        if (killedEntries.length === 0) expect(lease, 'the killed run is not in the audit log').toMatchObject({reason: expect.stringContaining('process is gone')})
        if (recoveryEntries.length > 0) expect(runsOf(recoveryEntries)[0]).not.toBe(runsOf(killedEntries)[0])
        expectEveryVersionAudited(recovered, entries, `after the recovery from the kill at ${labels[n - 1]}`)
        await expectAuditVerifies((args) => world.cli(args, RECOVERY), `after the recovery from the kill at ${labels[n - 1]}`)
        // An intent the killed run left open is closed by the recovery, with the killed run's id.
        const closed = new Set(entries.flatMap((e) => (typeof e.intent === 'number' ? [e.intent] : [])))
        const open = entries.filter((e) => e.outcome === 'intent' && !closed.has(e.seq as number))
        expect(open, 'intents nobody resolved').toEqual([])

        const retire = await world.cli(['apply', '--yes', '--json'], AFTER_GRACE)
        expect(retire.code, retire.stderr).toBe(0)
        const finalStates = await world.inspect()
        expect(currentValues(finalStates)).toEqual(finalStates.map(() => newValue))
        for (const s of finalStates) expect([...s.values.values()], `${s.target} still accepts the old value`).toEqual([newValue])
        const done = await world.cli(['plan', '--detailed-exitcode'], AFTER_GRACE)
        expect(done.code, done.stdout).toBe(0)
      } finally {
        await world.close()
      }
    })
  })
}
