import {describe, expect, it} from 'vitest'
import {MemoryStoreClient} from '../../../providers/memory/client.js'
import type {StoreClient} from '../../../providers/types.js'
import type {AuditInput} from '../../../src/audit/index.js'
import {execute} from '../../../src/engine/execute.js'
import type {StoreSet} from '../../../src/engine/stores.js'
import {readInventory} from '../../../src/engine/inventory.js'
import {UnavailableError} from '../../../src/errors/index.js'
import {plan} from '../../../src/plan/planner.js'
import {config, DAY, secret} from '../plan/fixtures.js'

/** A memory store whose writes to one path always fail. */
function failingOn(path: string): StoreClient {
  const client = new MemoryStoreClient('local', () => new Date('2026-03-01T00:00:00Z'))
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'writeVersion') {
        return async (p: string, ...rest: unknown[]) => {
          if (p === path) throw new UnavailableError(`store down for ${p}`)
          return (target.writeVersion as (...a: unknown[]) => unknown).call(target, p, ...rest)
        }
      }
      return Reflect.get(target, property, receiver)
    },
  })
}

describe('engine: one secret failing does not stop the others', () => {
  it('reports the failed secret, skips its later actions, and completes the rest', async () => {
    const client = failingOn('b')
    const stores = {get: async () => client} as unknown as StoreSet
    const secrets = ['a', 'b', 'c'].map((name) => secret({name, maxAgeMs: 30 * DAY, targets: [{store: 'local', path: name}]}))
    const cfg = config(...secrets)
    const now = new Date('2026-03-01T00:00:00Z')
    const inventory = await readInventory(secrets, stores)
    const audit: AuditInput[] = []
    const report = await execute(plan(cfg, inventory, now), {
      config: cfg,
      inventory,
      stores,
      audit: {append: async (entry: AuditInput) => (audit.push(entry), undefined as never)},
      now: () => now,
      concurrency: 2,
    })
    expect(report.failedSecrets).toEqual(['b'])
    expect(report.results.map((r) => [r.action.secret, r.outcome])).toEqual([
      ['a', 'ok'],
      ['b', 'failed'],
      ['c', 'ok'],
    ])
    expect(report.results[1].error).toMatchObject({code: 'UNAVAILABLE', message: 'store down for b'})
    expect(await client.list('')).toEqual(['a', 'c'])
    expect(audit.filter((e) => e.outcome === 'failed')).toEqual([expect.objectContaining({secret: 'b', action: 'create'})])
  })
})
