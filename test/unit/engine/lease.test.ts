import {hostname} from 'node:os'
import {describe, expect, it} from 'vitest'
import {leaseMeta, leaseOwner, leaseState} from '../../../src/engine/lease.js'
import {DAY, makeConfig, makeStores, run, view} from './harness.js'

const T0 = new Date('2026-03-01T00:00:00Z')
const DUE = new Date('2026-04-01T00:00:00Z')

describe('leaseState', () => {
  const now = Date.parse('2026-03-01T00:00:00Z')
  const meta = (owner: string, expiresAt = '2026-03-01T00:10:00Z') => ({leaseOwner: owner, leaseExpiresAt: expiresAt})

  it('tells free, mine, held, expired and dead apart', () => {
    expect(leaseState({}, 'me', now)).toEqual({kind: 'free'})
    expect(leaseState(meta('me'), 'me', now)).toEqual({kind: 'mine'})
    expect(leaseState(meta('other-host/1/abc'), 'me', now)).toEqual({kind: 'held', owner: 'other-host/1/abc', expiresAt: '2026-03-01T00:10:00Z'})
    expect(leaseState(meta('other-host/1/abc', '2026-02-28T23:59:59Z'), 'me', now)).toMatchObject({kind: 'free', takeover: expect.stringContaining('expired')})
    // A lease of this host whose process is gone (pid 2^31-2 is never a live process here).
    expect(leaseState(meta(`${hostname()}/2147483646/abc`), 'me', now)).toMatchObject({kind: 'free', takeover: expect.stringContaining('process is gone')})
    expect(leaseState(meta(`${hostname()}/${process.pid}/abc`), 'me', now)).toMatchObject({kind: 'held'})
  })

  it('names host, process and run, and expires after the ttl', () => {
    const me = leaseOwner('6f1c2a9e-0000-4000-8000-000000000000')
    expect(me).toBe(`${hostname()}/${process.pid}/6f1c2a9e0000`)
    expect(leaseMeta(me, {ttlMs: 60_000, settleMs: 0}, now)).toEqual({leaseOwner: me, leaseExpiresAt: '2026-03-01T00:01:00.000Z'})
  })
})

describe('the engine and leases', () => {
  async function due() {
    const config = makeConfig()
    const stores = makeStores(() => T0)
    await run(config, stores, {at: T0})
    return {config, stores, before: await view(stores)}
  }

  it('skips a secret whose lease another live run holds, and says so', async () => {
    const {config, stores, before} = await due()
    await stores.one.setMeta('api', {leaseOwner: 'elsewhere/42/run', leaseExpiresAt: new Date(Date.now() + DAY).toISOString()})
    const result = await run(config, stores, {at: DUE})
    expect(result.report?.results).toEqual([
      expect.objectContaining({outcome: 'skipped', reason: expect.stringMatching(/another rotor run \(elsewhere\/42\/run\) holds the lease on one:api until/)}),
    ])
    expect(result.report?.failedSecrets).toEqual([])
    expect(result.checkpoints).toEqual([])
    expect((await view(stores)).map((t) => [t.currentValue, t.versions])).toEqual(before.map((t) => [t.currentValue, t.versions]))
  })

  it('takes over an expired lease, audit-logs it, and releases its own at the end', async () => {
    const {config, stores} = await due()
    await stores.one.setMeta('api', {leaseOwner: 'elsewhere/42/run', leaseExpiresAt: '2020-01-01T00:00:00.000Z'})
    const result = await run(config, stores, {at: DUE})
    expect(result.report?.results).toEqual([expect.objectContaining({action: expect.objectContaining({kind: 'rotate'}), outcome: 'ok'})])
    expect(result.audit[0]).toMatchObject({action: 'lease-takeover', reason: 'expired lease of elsewhere/42/run'})
    expect(result.checkpoints[0]).toBe('lease one:api')
    expect(result.checkpoints.at(-1)).toBe('release one:api')
    expect((await stores.one.describe('api')).meta.leaseOwner).toBeUndefined()
  })

  it('clears a dead run\'s lease on a secret that has nothing else to do', async () => {
    const {config, stores} = await due()
    await stores.one.setMeta('api', {leaseOwner: 'elsewhere/42/run', leaseExpiresAt: '2020-01-01T00:00:00.000Z'})
    const result = await run(config, stores, {at: new Date('2026-03-02T00:00:00Z')})
    expect(result.plan.actions).toEqual([])
    expect(result.audit).toEqual([expect.objectContaining({action: 'lease-cleared'})])
    expect((await stores.one.describe('api')).meta.leaseOwner).toBeUndefined()
  })

  it('lets exactly one of two runs that start together rotate, on shared stores', async () => {
    for (let round = 0; round < 10; round++) {
      const {config, stores, before} = await due()
      const [a, b] = await Promise.all([
        run(config, stores, {at: DUE, lease: {settleMs: 20}}),
        run(config, stores, {at: DUE, lease: {settleMs: 20}}),
      ])
      const outcomes = [...(a.report?.results ?? []), ...(b.report?.results ?? [])].filter((r) => r.action.kind === 'rotate').map((r) => r.outcome)
      expect(outcomes.filter((o) => o === 'ok'), `round ${round}: ${outcomes}`).toHaveLength(1)
      expect(outcomes.filter((o) => o === 'failed')).toEqual([])
      const after = await view(stores)
      expect(new Set(after.map((t) => t.currentValue)).size).toBe(1)
      expect(after.map((t) => t.versions)).toEqual(before.map(() => 2))
    }
  })

  it('lets one of two runs create a new secret; the other loses the "must not exist" write and skips', async () => {
    for (let round = 0; round < 10; round++) {
      const config = makeConfig()
      const stores = makeStores(() => T0)
      const [a, b] = await Promise.all([run(config, stores, {at: T0}), run(config, stores, {at: T0})])
      const outcomes = [...(a.report?.results ?? []), ...(b.report?.results ?? [])].map((r) => r.outcome)
      expect(outcomes.filter((o) => o === 'ok'), `round ${round}: ${outcomes}`).toHaveLength(1)
      expect(outcomes.filter((o) => o === 'failed')).toEqual([])
      const after = await view(stores)
      expect(new Set(after.map((t) => t.currentValue)).size).toBe(1)
      expect(after.map((t) => t.versions)).toEqual([1, 1, 1])
    }
  })
})
