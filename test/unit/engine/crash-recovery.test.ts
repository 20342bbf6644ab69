/**
 * In-process crash matrix on memory stores (three targets, one without a pending stage): the
 * run dies after store-changing call N, for every N, then a fresh run recovers. Covers the paths
 * the CLI matrix (test/fault) does not: emergency rotations and rollbacks.
 */
import {describe, expect, it} from 'vitest'
import {DAY, makeConfig, makeStores, run, view} from './harness.js'

const T0 = new Date('2026-03-01T00:00:00Z')
const T1 = new Date('2026-03-10T00:00:00Z')
const LATER = new Date('2026-03-10T00:01:00Z')
/** A recovery run on another host, or after the lease expired. */
const expired = {wallNow: () => Date.now() + DAY}
const emergency = {force: new Map([['api', {emergency: true, reason: 'leaked'}]])}

async function created() {
  const config = makeConfig()
  const stores = makeStores(() => T0)
  const first = await run(config, stores, {at: T0})
  expect(first.report?.failedSecrets).toEqual([])
  const oldValue = (await view(stores))[0].currentValue!
  return {config, stores, oldValue}
}

async function countActions(planOptions = emergency): Promise<number> {
  const {config, stores} = await created()
  return (await run(config, stores, {at: T1, planOptions})).checkpoints.length
}

describe('an emergency rotation killed after any action', async () => {
  const total = await countActions()

  it('has actions to kill at', () => {
    expect(total).toBeGreaterThan(8)
  })

  it.for(Array.from({length: total}, (_, i) => i + 1))('after action %i: the next run finishes it and the leaked value dies', async (n) => {
    const {config, stores, oldValue} = await created()
    const killed = await run(config, stores, {at: T1, planOptions: emergency, crashAt: n})
    expect(killed.crashed).toBe(true)
    for (const t of await view(stores)) expect(t.currentValue, `${t.store} has no current version`).toBeDefined()

    // A plain `apply`: the emergency is finished from what the stores say, not from the flags.
    const recovery = await run(config, stores, {at: LATER, lease: expired})
    expect(recovery.report?.failedSecrets ?? []).toEqual([])
    if (!killed.checkpoints.some((c) => c.startsWith('intent '))) {
      // Killed before the emergency was recorded anywhere: nothing changed, the operator's
      // command failed, and running it again is the way on.
      expect((await view(stores)).every((t) => t.currentValue === oldValue)).toBe(true)
      await run(config, stores, {at: LATER, planOptions: emergency})
    }
    const after = await view(stores)
    const current = after[0].currentValue!
    for (const t of after) {
      expect(t.currentValue, t.store).toBe(current)
      expect(t.valid, `${t.store} still accepts the leaked value`).toEqual([current])
      expect(t.meta.rotationEmergency, `${t.store} intent`).toBeUndefined()
      expect(t.meta.leaseOwner, `${t.store} lease`).toBeUndefined()
    }
    expect(current).not.toBe(oldValue)
    expect((await run(config, stores, {at: LATER})).plan.actions).toEqual([])
  })
})

describe('a rollback killed after any action', async () => {
  const rollback = {rollback: new Set(['api'])}
  async function rotated() {
    const world = await created()
    const rotation = await run(world.config, world.stores, {at: new Date('2026-04-01T00:00:00Z')})
    expect(rotation.report?.failedSecrets).toEqual([])
    return {...world, newValue: (await view(world.stores))[0].currentValue!}
  }
  const at = new Date('2026-04-01T01:00:00Z')
  const later = new Date('2026-04-01T01:05:00Z')
  for (const mode of ['reinstate', 'rewrite'] as const) {
    const hide = mode === 'rewrite' ? ['reinstate'] : []
    it(`${mode}: converges on the previous value whatever the moment of the crash`, async () => {
      const probe = await rotated()
      const total = (await run(probe.config, probe.stores, {at, planOptions: rollback, hide})).checkpoints.length
      expect(total).toBeGreaterThan(3)
      for (let n = 1; n <= total; n++) {
        const {config, stores, oldValue, newValue} = await rotated()
        expect((await run(config, stores, {at, planOptions: rollback, crashAt: n, hide})).crashed).toBe(true)
        for (const t of await view(stores)) expect(t.valid, `n=${n}: ${t.store}`).toEqual(expect.arrayContaining([oldValue, newValue]))
        // The operator asks again: refused while the first attempt is half done (it would flip
        // the primary back). `apply` then finishes the rollback if it got past its first
        // promotion, or undoes it; in that case asking again completes it.
        const again = await run(config, stores, {at: later, planOptions: rollback, lease: expired, hide})
        expect(again.report?.results.every((r) => r.outcome === 'ok') ?? true, `n=${n}`).toBe(true)
        await run(config, stores, {at: later, lease: expired, hide})
        const settled = await view(stores)
        expect(new Set(settled.map((t) => t.currentValue)).size, `n=${n}: targets disagree`).toBe(1)
        if (settled[0].currentValue !== oldValue) {
          expect(settled[0].currentValue).toBe(newValue)
          await run(config, stores, {at: later, planOptions: rollback, hide})
          await run(config, stores, {at: later, hide})
        }
        const after = await view(stores)
        for (const t of after) {
          expect(t.currentValue, `n=${n}: ${t.store}`).toBe(oldValue)
          expect(t.valid, `n=${n}: ${t.store} dropped the rolled-back value early`).toContain(newValue)
        }
        // Settled: at most the copies of the old value that lost their role are retired, once.
        const tidy = await run(config, stores, {at: later, hide})
        expect(tidy.plan.actions.every((a) => a.kind === 'retire'), `n=${n}`).toBe(true)
        expect((await run(config, stores, {at: later, hide})).plan.actions, `n=${n}`).toEqual([])
        expect((await view(stores)).every((t) => t.currentValue === oldValue && t.valid.includes(newValue)), `n=${n}`).toBe(true)
      }
    })
  }
})
