/**
 * The fault matrix for a secret with an issuer: a rotation of `api` (file-a, file-b, and the
 * issuer of the fixture) run by the built CLI, killed with SIGKILL right after checkpoint N (every
 * store-changing and issuer-changing call), for every N. At every kill point, and after the
 * recovery run, the invariants of docs/issuers.md hold:
 * - the service can log in with what every store holds as current (and, in grace, the old value);
 * - the issuer never accepts more than two credentials of the binding;
 * - after the recovery run nothing is accepted that no store holds, and after grace only the new one.
 * Any issuer kind plugs in with an IssuerMatrixFixture (support/issuer-world.ts).
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {json} from '../../support/cli.js'
import {checkpointLabels, currentValues, expectAuditVerifies, expectConverged} from './checks.js'
import {type IssuerMatrixFixture, type IssuerWorld, makeIssuerWorld} from './issuer-world.js'
import {at, KILL_AT, type TargetState} from './world.js'

const CREATED = at(0)
const DUE = at(31)
const RECOVERY = at(31, 1)
const AFTER_GRACE = at(32, 5)

const idOf = (value: string): string => {
  const fields = JSON.parse(value) as Record<string, string>
  return fields.id ?? fields.username ?? fields.accessKeyId
}

/** Every current value logs in; the issuer accepts at most two credentials. */
async function expectServiceWorks(world: IssuerWorld, states: TargetState[], when: string): Promise<string[]> {
  const values = currentValues(states)
  for (const [i, value] of values.entries()) expect(await world.binding.authenticates(value), `${when}: ${states[i].target}'s current value is refused by the issuer`).toBe(true)
  const accepted = await world.binding.accepted()
  expect(accepted.length, `${when}: the issuer accepts ${accepted.join(', ')}`).toBeLessThanOrEqual(2)
  return values
}

/** Credential ids of every enabled version the stores hold. */
const storedIds = (states: TargetState[]): Set<string> => new Set(states.flatMap((s) => [...s.values.values()].map(idOf)))

export function describeIssuerCrashMatrix<Shared>(fixture: IssuerMatrixFixture<Shared>): void {
  const unavailable = fixture.unavailable?.()
  if (unavailable) console.warn(`\n*** SKIPPING the issuer fault matrix (${fixture.name}): ${unavailable} ***\n`)
  describe.skipIf(unavailable !== undefined)(`issuer fault matrix (${fixture.name}): SIGKILL after each store or issuer change of a rotation`, () => {
    let shared: Shared
    let labels: string[] = []
    const open = (name: string) => makeIssuerWorld(name, (w) => fixture.bind(shared, w))

    beforeAll(async () => {
      shared = await fixture.start()
      labels = await checkpointLabels(await open(`${fixture.name}-count`), CREATED, DUE)
    }, 300_000)
    afterAll(async () => {
      await fixture.stop(shared)
    })

    it('covers every step of the rotation, the issuer calls included', () => {
      expect(labels.length, labels.join('\n')).toBeLessThanOrEqual(fixture.maxActions)
      const kinds = labels.map((l) => l.split(' ')[1])
      for (const kind of ['lease', 'issuer-intent', 'issue', 'stage', 'promote', 'meta', 'release']) expect(kinds, labels.join('\n')).toContain(kind)
      // The intent is on the primary before the issuer is called.
      expect(kinds.indexOf('issuer-intent')).toBeLessThan(kinds.indexOf('issue'))
    })

    const ns = Array.from({length: fixture.maxActions}, (_, i) => i + 1)
    it.concurrent.for(ns)('killed after step %i, the service keeps working and the next apply converges', {timeout: 300_000}, async (n, {skip}) => {
      if (n > labels.length) skip()
      const world = await open(`${fixture.name}-n${n}`)
      const when = `after the kill at ${labels[n - 1]}`
      try {
        const create = await world.cli(['apply', '--yes', '--json'], CREATED)
        expect(create.code, create.stderr).toBe(0)
        const oldValue = currentValues(await world.inspect())[0]

        const killed = await world.cli(['apply', '--yes', '--json'], DUE, {preload: [KILL_AT], env: {ROTOR_KILL_AT: String(n)}})
        expect(killed.code, `run ${n} was not killed: ${killed.stderr}`).toBe(128)
        await expectServiceWorks(world, await world.inspect(), when)
        // Until grace ends the old value keeps working, whatever the stores hold as current.
        expect(await world.binding.authenticates(oldValue), `${when}: the old value is refused during grace`).toBe(true)
        await expectAuditVerifies((args) => world.cli(args, RECOVERY), when)

        const recovery = await world.cli(['apply', '--yes', '--json'], RECOVERY)
        expect(recovery.code, recovery.stdout + recovery.stderr).toBe(0)
        const recovered = await world.inspect()
        const newValue = expectConverged(recovered, oldValue)
        await expectServiceWorks(world, recovered, `${when}, recovered`)
        expect(await world.binding.authenticates(oldValue), `${when}, recovered: the old value is refused during grace`).toBe(true)
        const known = storedIds(recovered)
        for (const id of await world.binding.accepted()) expect(known, `${when}, recovered: the issuer accepts ${id}, which no store holds`).toContain(id)
        for (const id of (await world.binding.present?.()) ?? []) expect(known, `${when}, recovered: the issuer still has ${id}, which no store holds`).toContain(id)

        const settled = await world.cli(['plan', '--detailed-exitcode', '--json'], RECOVERY)
        expect(settled.code, settled.stdout).toBe(0)
        expect(json(settled)).toMatchObject({actions: [], blocked: []})
        const entries = await world.auditEntries()
        const closed = new Set(entries.flatMap((e) => (typeof e.intent === 'number' ? [e.intent] : [])))
        expect(entries.filter((e) => e.outcome === 'intent' && !closed.has(e.seq as number)), 'intents nobody resolved').toEqual([])
        await expectAuditVerifies((args) => world.cli(args, RECOVERY), `${when}, recovered`)

        const retire = await world.cli(['apply', '--yes', '--json'], AFTER_GRACE)
        expect(retire.code, retire.stdout + retire.stderr).toBe(0)
        const final = await world.inspect()
        expect(currentValues(final)).toEqual(final.map(() => newValue))
        expect(await world.binding.authenticates(newValue)).toBe(true)
        expect(await world.binding.authenticates(oldValue), `${when}: the old value still logs in after grace`).toBe(false)
        expect(await world.binding.accepted()).toEqual([idOf(newValue)])
        const done = await world.cli(['plan', '--detailed-exitcode'], AFTER_GRACE)
        expect(done.code, done.stdout).toBe(0)
      } finally {
        await world.close()
      }
    })
  })
}
