import type {SecretConfig} from '../config/types.js'
import type {Inventory, TargetObservation} from '../plan/types.js'
import {chunks, mapLimit} from '../util/pool.js'
import type {StoreSet} from './stores.js'
import type {SecretSnapshot} from '../../providers/types.js'
import {redact} from '../redact/index.js'

const DESCRIBE_CHUNK = 100

/**
 * Read every target of the given secrets, grouped per store so stores with a batch call use it.
 * A store that cannot be read marks its targets with an error; the planner blocks those secrets
 * and the rest go on.
 */
export async function readInventory(secrets: SecretConfig[], stores: StoreSet, concurrency = 8): Promise<Inventory> {
  const pathsByStore = new Map<string, string[]>()
  for (const secret of secrets) {
    for (const t of secret.targets) {
      const paths = pathsByStore.get(t.store) ?? []
      paths.push(t.path)
      pathsByStore.set(t.store, paths)
    }
  }
  const found = new Map<string, SecretSnapshot | Error>()
  const key = (store: string, path: string) => `${store}\u0000${path}`
  const jobs = [...pathsByStore].flatMap(([store, paths]) => chunks(paths, DESCRIBE_CHUNK).map((chunk) => ({store, chunk})))
  await mapLimit(jobs, concurrency, async ({store, chunk}) => {
    try {
      const client = await stores.get(store)
      const snapshots = await client.describeMany(chunk)
      snapshots.forEach((s, i) => found.set(key(store, chunk[i]), s))
    } catch (error) {
      for (const path of chunk) found.set(key(store, path), error as Error)
    }
  })
  const inventory: Inventory = new Map()
  for (const secret of secrets) {
    inventory.set(
      secret.name,
      secret.targets.map((target): TargetObservation => {
        const result = found.get(key(target.store, target.path))
        if (result instanceof Error) {
          return {target, error: {code: (result as {code?: string}).code ?? 'ERROR', message: redact(result.message)}}
        }
        return {target, snapshot: result}
      }),
    )
  }
  return inventory
}
