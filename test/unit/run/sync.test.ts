import {describe, expect, it} from 'vitest'
import {SecretValue} from '../../../providers/types.js'
import {inShard, parseShard} from '../../../src/run/select.js'
import {observeDrift, syncChanges} from '../../../src/run/sync.js'
import {DAY} from '../plan/fixtures.js'
import {addStray, applyNow, auditSink, disown, foreignWrite, forget, NOW, resetCalls, world, type World} from './sync-helpers.js'

const kinds = async (w: World, at = NOW) => {
  const {drift} = await observeDrift(w.config, w.config.secrets, w.set, at)
  return Object.fromEntries(drift.flatMap((d) => d.targets.map((t) => [`${d.name}@${t.target.store}`, t.drift])))
}

const sync = (w: World, at = NOW) => syncChanges({config: w.config, secrets: w.config.secrets, stores: w.set, audit: auditSink(w), now: () => at, unlocked: true, lease: {settleMs: 0}})

const currentValue = async (w: World, store: string, path: string) => (await w.stores[store].readValue(path, {role: 'current'})).reveal()

describe('rotor diff and sync on memory and file stores', () => {
  it('finds no drift after apply, reads no value, and sync writes nothing', async () => {
    const w = await world(['a', 'b'])
    await applyNow(w)
    resetCalls(w)
    const {drift, plan} = await observeDrift(w.config, w.config.secrets, w.set, NOW)
    expect(drift.map((d) => d.drift)).toEqual([false, false])
    expect(drift[0].targets.filter((t) => !t.primary).map((t) => t.proof)).toEqual(['rotation-id', 'rotation-id'])
    expect(plan.actions).toEqual([])
    const result = await sync(w)
    expect(result.report).toBeUndefined()
    for (const store of Object.values(w.calls)) {
      expect(store.readValue ?? 0).toBe(0)
      expect(store.writeVersion ?? 0).toBe(0)
    }
  })

  it('reports and repairs a missing target, proven from metadata alone', async () => {
    const w = await world(['a'])
    await applyNow(w)
    forget(w.stores.flat, 'app/a')
    expect(await kinds(w)).toEqual({'a@one': [], 'a@flat': ['missing'], 'a@disk': []})
    const result = await sync(w)
    expect(result.report?.results.map((r) => [r.action.kind, r.outcome])).toEqual([['repair', 'ok']])
    expect(await currentValue(w, 'flat', 'app/a')).toBe(await currentValue(w, 'one', 'app/a'))
    const [primary, flat] = await Promise.all([w.stores.one.describe('app/a'), w.stores.flat.describe('app/a')])
    expect(flat.versions.find((v) => v.role === 'current')?.rotationId).toBe(primary.versions.find((v) => v.role === 'current')?.rotationId)
    expect(w.audit.filter((e) => e.action === 'create').map((e) => e.target)).toContainEqual({store: 'flat', path: 'app/a'})
    expect(await kinds(w)).toEqual({'a@one': [], 'a@flat': [], 'a@disk': []})
  })

  it('compares by fingerprint where another tool wrote: an equal value is left alone, another one is replaced', async () => {
    const w = await world(['same', 'other'])
    await applyNow(w)
    foreignWrite(w.stores.flat, 'app/same', await currentValue(w, 'one', 'app/same'))
    foreignWrite(w.stores.flat, 'app/other', 'written-by-another-tool')
    resetCalls(w)
    const {drift} = await observeDrift(w.config, w.config.secrets, w.set, NOW)
    const flat = (name: string) => drift.find((d) => d.name === name)!.targets[1]
    expect(flat('same')).toMatchObject({drift: [], proof: 'fingerprint'})
    expect(flat('other')).toMatchObject({drift: ['stale'], proof: 'fingerprint'})
    // A short HMAC under this run's key: not the value, not a plain hash of it.
    expect(flat('other').fingerprint).toMatch(/^[0-9a-f]{10}$/)
    expect(JSON.stringify(drift)).not.toContain('written-by-another-tool')
    expect(w.calls.flat.readValue).toBe(2)

    const writesBefore = w.calls.flat.writeVersion ?? 0
    await sync(w)
    expect((w.calls.flat.writeVersion ?? 0) - writesBefore).toBe(1)
    expect(await currentValue(w, 'flat', 'app/other')).toBe(await currentValue(w, 'one', 'app/other'))
    expect(await kinds(w)).toMatchObject({'same@flat': [], 'other@flat': []})
  })

  it('replaces a target value another rotation wrote (rotation ids differ) without reading it', async () => {
    const w = await world(['a'])
    await applyNow(w)
    const current = (await w.stores.disk.describe('app/a')).versions.find((v) => v.role === 'current')!
    await w.stores.disk.writeVersion('app/a', new SecretValue('from-a-forgotten-rotation'), {rotationId: 'rot-elsewhere', stage: 'current', expectedCurrent: current.id})
    resetCalls(w)
    expect(await kinds(w)).toMatchObject({'a@disk': ['stale']})
    expect(w.calls.disk?.readValue ?? 0).toBe(0)
    await sync(w)
    expect(await currentValue(w, 'disk', 'app/a')).toBe(await currentValue(w, 'one', 'app/a'))
  })

  it('retires extra enabled versions', async () => {
    const w = await world(['a'])
    await applyNow(w)
    addStray(w.stores.flat, 'app/a', 'old-forgotten-value')
    const found = await kinds(w)
    expect(found['a@flat']).toEqual(['extra-versions'])
    const result = await sync(w)
    expect(result.report?.results.map((r) => r.action.kind)).toEqual(['retire'])
    expect((await w.stores.flat.describe('app/a')).versions.filter((v) => v.enabled)).toHaveLength(1)
  })

  it('refuses an unowned target, and adopts it when the secret says adopt', async () => {
    const w = await world(['a'])
    await applyNow(w)
    disown(w.stores.flat, 'app/a')
    expect((await kinds(w))['a@flat']).toEqual(['unowned'])
    const refused = await sync(w)
    expect(refused.report).toBeUndefined()
    expect(refused.plan.blocked[0]).toMatchObject({secret: 'a', reason: expect.stringContaining('not managed by rotor')})

    w.config.secrets[0].adopt = true
    const adopted = await sync(w)
    expect(adopted.report?.results.map((r) => [r.action.kind, r.outcome])).toEqual([['adopt', 'ok']])
    expect((await w.stores.flat.describe('app/a')).owned).toBe(true)
  })

  it('gives a missing target the previous value too while it is in grace', async () => {
    const w = await world(['a'])
    await applyNow(w)
    const later = new Date(NOW.getTime() + 3 * DAY)
    await applyNow(w, later, {force: new Map([['a', {emergency: false}]])})
    forget(w.stores.flat, 'app/a')
    expect((await kinds(w, later))['a@flat']).toEqual(['missing'])
    await sync(w, later)
    const primary = await w.stores.one.describe('app/a')
    const disk = await w.stores.flat.describe('app/a')
    const ids = (s: typeof primary) => ['current', 'previous'].map((role) => s.versions.find((v) => v.role === role && v.enabled)?.rotationId)
    expect(ids(disk)).toEqual(ids(primary))
    // The previous value on the target stays valid exactly as long as on the primary.
    expect(disk.meta.graceEndsAt).toBe(primary.meta.graceEndsAt)
    expect((await kinds(w, later))['a@flat']).toEqual([])
  })

  it('leaves a rotation in flight alone', async () => {
    const w = await world(['a'])
    await applyNow(w)
    const current = (await w.stores.one.describe('app/a')).versions.find((v) => v.role === 'current')!
    await w.stores.one.writeVersion('app/a', new SecretValue('staged-value'), {rotationId: 'rot-staged', stage: 'pending', expectedCurrent: current.id})
    expect((await kinds(w))['a@one']).toEqual(['in-flight'])
    const result = await sync(w)
    expect(result.report).toBeUndefined()
    expect(result.plan.blocked[0].reason).toContain('in flight')
  })

  it('puts every secret in exactly one shard, and a sharded diff sees only its own', async () => {
    const names = Array.from({length: 24}, (_, i) => `s${i}`)
    const w = await world(names)
    await applyNow(w)
    for (const name of names) forget(w.stores.flat, `app/${name}`)
    const seen: string[] = []
    for (let i = 1; i <= 3; i++) {
      const shard = inShard(w.config.secrets, parseShard(`${i}/3`))
      const {drift, plan} = await observeDrift(w.config, shard, w.set, NOW)
      expect(drift.map((d) => d.name)).toEqual(shard.map((s) => s.name))
      expect(new Set(plan.actions.map((a) => a.secret))).toEqual(new Set(shard.map((s) => s.name)))
      seen.push(...drift.map((d) => d.name))
    }
    expect(seen.sort()).toEqual([...names].sort())
  })
})
