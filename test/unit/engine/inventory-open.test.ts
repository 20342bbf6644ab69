/**
 * readInventory opens every store before it reads any: opening loads a store's SDK, and a store
 * opened while the others' reads were under way sent its first read late (bench/fleet.js).
 */
import {describe, expect, it} from 'vitest'
import {MemoryStoreClient} from '../../../providers/memory/client.js'
import {SecretValue, type StoreClient} from '../../../providers/types.js'
import {readInventory} from '../../../src/engine/inventory.js'
import type {StoreSet} from '../../../src/engine/stores.js'
import {DAY, secret} from '../plan/fixtures.js'

describe('readInventory', () => {
  it('opens every store before the first describe of any', async () => {
    const now = () => new Date('2026-03-01T00:00:00Z')
    const events: string[] = []
    const clients: Record<string, MemoryStoreClient> = {fast: new MemoryStoreClient('fast', now), slow: new MemoryStoreClient('slow', now)}
    for (const [name, client] of Object.entries(clients)) {
      await client.writeVersion('api', new SecretValue(`${name}-v1`), {rotationId: 'r1', stage: 'current'})
    }
    const recorded = (name: string): StoreClient =>
      new Proxy(clients[name], {
        get(target, property, receiver) {
          if (property === 'describe') return async (path: string) => (events.push(`describe ${name}`), target.describe(path))
          return Reflect.get(target, property, receiver)
        },
      })
    // `slow` takes a few turns of the event loop to open (its SDK loading), `fast` none.
    const stores = {
      get: async (name: string) => {
        if (name === 'slow') for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve))
        events.push(`open ${name}`)
        return recorded(name)
      },
    } as unknown as StoreSet
    const secrets = [secret({name: 'api', maxAgeMs: 30 * DAY, targets: [{store: 'fast', path: 'api'}, {store: 'slow', path: 'api'}]})]
    const inventory = await readInventory(secrets, stores)
    expect(events.slice(0, 2).sort()).toEqual(['open fast', 'open slow'])
    expect(events.slice(2).sort()).toEqual(['describe fast', 'describe slow'])
    expect(inventory.get('api')!.map((t) => t.snapshot?.exists)).toEqual([true, true])
  })

  it('marks the targets of a store that cannot be opened, and reads the others', async () => {
    const now = () => new Date('2026-03-01T00:00:00Z')
    const ok = new MemoryStoreClient('ok', now)
    await ok.writeVersion('api', new SecretValue('v1'), {rotationId: 'r1', stage: 'current'})
    const stores = {
      get: async (name: string) => {
        if (name === 'broken') throw Object.assign(new Error('cannot load the SDK'), {code: 'UNAVAILABLE'})
        return ok
      },
    } as unknown as StoreSet
    const secrets = [secret({name: 'api', maxAgeMs: 30 * DAY, targets: [{store: 'ok', path: 'api'}, {store: 'broken', path: 'api'}]})]
    const [okTarget, broken] = (await readInventory(secrets, stores)).get('api')!
    expect(okTarget.snapshot?.exists).toBe(true)
    expect(broken.error).toEqual({code: 'UNAVAILABLE', message: 'cannot load the SDK'})
  })
})
