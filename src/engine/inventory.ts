import type {SecretConfig} from '../config/types.js'
import type {Inventory, IssuerObservation, TargetObservation} from '../plan/types.js'
import {chunks, mapLimit} from '../util/pool.js'
import type {StoreSet} from './stores.js'
import {describesInBulk, type DescribeResult, type StoreClient} from '../../providers/types.js'
import {describePaths} from '../../providers/describe-many.js'
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
  // Each store's answers by path: no key per target built, no map of every target of the fleet.
  const found = new Map<string, Map<string, DescribeResult>>()
  // Every store is opened before any is read. Opening loads the store's SDK (module graphs,
  // GCP's protos) and makes no request; opened one by one as their reads began, the SDK a store
  // loads last competed with the first stores' responses for the event loop: in the fleet bench
  // (bench/fleet.js) Azure, the store with the most to wait for, sent its first read seconds late.
  const opened = await openAll(stores, [...pathsByStore.keys()])
  // Every store at once, each under its own limiter (providers/limits.ts paces every request):
  // a fleet spread over four stores takes as long as its slowest store, not the sum.
  await Promise.all(
    [...pathsByStore].map(async ([store, paths]) => {
      const answers = new Map<string, DescribeResult>()
      found.set(store, answers)
      const client = opened.get(store)!
      const describeChunk = async (chunk: string[]) => {
        try {
          if (client instanceof Error) throw client
          // Each path gets its own answer: one that cannot be read blocks its own secret only.
          const described = await describePaths(client, chunk, chunk.length)
          // A store's bulk answer for all its paths is taken as it is.
          if (chunk === paths) found.set(store, described)
          else for (const path of chunk) answers.set(path, described.get(path)!)
        } catch (error) {
          for (const path of chunk) answers.set(path, error as Error)
        }
        onRead?.(chunk.length)
      }
      // A store that lists (capabilities.bulkDescribe) gets every path at once, so one pass over
      // its listing answers for all of them; the others are described in chunks.
      if (!(client instanceof Error) && describesInBulk(client)) await describeChunk(paths)
      else await mapLimit(chunks(paths, DESCRIBE_CHUNK), chunksInFlight, describeChunk)
    }),
  )
  const issuers = await observeIssuers(secrets, stores)
  const inventory: Inventory = new Map()
  for (const secret of secrets) {
    inventory.set(
      secret.name,
      secret.targets.map((target): TargetObservation => {
        const result = found.get(target.store)!.get(target.path)
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
    const issuer = issuers.get(secret.name)
    if (issuer) inventory.get(secret.name)![0].issuer = issuer
  }
  return inventory
}

/** Each store opened (or the error opening it met), all at once. */
async function openAll(stores: StoreSet, names: readonly string[]): Promise<Map<string, StoreClient | Error>> {
  const clients = await Promise.all(names.map((name) => stores.get(name).catch((error: unknown) => error as Error)))
  return new Map(names.map((name, i) => [name, clients[i]]))
}

/** Each issuer-bound secret's credentials at its issuer (listed where the issuer lists). */
async function observeIssuers(secrets: SecretConfig[], stores: StoreSet): Promise<Map<string, IssuerObservation>> {
  const observed = new Map<string, IssuerObservation>()
  const bound = secrets.filter((s) => s.issuer)
  await mapLimit(bound, 4, async (secret) => {
    const issuer = secret.issuer!.name
    try {
      const client = await stores.issuer(secret)
      const credentials = client.capabilities.lists ? await client.list() : undefined
      observed.set(secret.name, {issuer, capabilities: client.capabilities, ...(credentials ? {credentials} : {})})
    } catch (error) {
      const hint = (error as {hint?: unknown}).hint
      const e = error as Error & {code?: string}
      observed.set(secret.name, {issuer, error: {code: e.code ?? 'ERROR', message: redact(e.message), ...(typeof hint === 'string' ? {hint: redact(hint)} : {})}})
    }
  })
  return observed
}
