import type {SecretConfig} from '../config/types.js'
import type {Inventory, TargetObservation} from '../plan/types.js'
import {chunks, mapLimit} from '../util/pool.js'
import type {StoreSet} from './stores.js'
import type {SecretSnapshot} from '../../providers/types.js'
import {redact} from '../redact/index.js'

/** Paths described together; each store's limiter paces the describes inside a chunk. */
const DESCRIBE_CHUNK = 100

/**
 * Read every target of the given secrets, grouped per store and every store at once.
 * A store that cannot be read marks its targets with an error; the planner blocks those secrets
 * and the rest go on.
 */
export async function readInventory(
  secrets: SecretConfig[],
  stores: StoreSet,
  chunksInFlight = 4,
  /** Told how many targets each finished chunk covered (progress bars). */
  onRead?: (targets: number) => void,
): Promise<Inventory> {
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
  // Every store at once, each under its own limiter (providers/limits.ts paces the describes
  // inside a chunk): a fleet spread over four stores takes as long as its slowest store, not the sum.
  await Promise.all(
    [...pathsByStore].map(([store, paths]) =>
      mapLimit(chunks(paths, DESCRIBE_CHUNK), chunksInFlight, async (chunk) => {
        try {
          const client = await stores.get(store)
          // One describe per path (no store has a batch describe): a path that cannot be read
          // blocks its own secret only, not the other ninety-nine of its chunk.
          const settled = await Promise.allSettled(chunk.map((path) => client.describe(path)))
          settled.forEach((s, i) => found.set(key(store, chunk[i]), s.status === 'fulfilled' ? s.value : (s.reason as Error)))
        } catch (error) {
          for (const path of chunk) found.set(key(store, path), error as Error)
        }
        onRead?.(chunk.length)
      }),
    ),
  )
  const inventory: Inventory = new Map()
  for (const secret of secrets) {
    inventory.set(
      secret.name,
      secret.targets.map((target): TargetObservation => {
        const result = found.get(key(target.store, target.path))
        if (result instanceof Error) {
          const hint = (result as {hint?: unknown}).hint
          return {
            target,
            error: {code: (result as {code?: string}).code ?? 'ERROR', message: redact(result.message), ...(typeof hint === 'string' ? {hint: redact(hint)} : {})},
          }
        }
        return {target, snapshot: result}
      }),
    )
  }
  return inventory
}
