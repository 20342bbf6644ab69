/**
 * Describing many paths of one store: through the client's bulk describe where it has one
 * (capabilities.bulkDescribe), else one describe a path with at most `concurrency` in flight.
 * Either way every path gets its own answer, a snapshot or the error met reading it.
 */
import {mapLimit} from '../src/util/pool.js'
import {Semaphore} from './limits.js'
import {type DescribeResult, describesInBulk, type SecretSnapshot, type StoreClient} from './types.js'

/** In the order of `paths` (duplicates once). */
export async function describePaths(client: StoreClient, paths: readonly string[], concurrency = 16): Promise<Map<string, DescribeResult>> {
  const unique = [...new Set(paths)]
  let found: Map<string, DescribeResult>
  if (describesInBulk(client)) {
    found = await client.describeMany(unique)
  } else {
    found = new Map()
    await mapLimit(unique, concurrency, async (path) => {
      found.set(path, await client.describe(path).catch((error: unknown) => asError(error)))
    })
  }
  // A bulk answer already holding every path, in order, is taken as it is (a fleet: no copy).
  if (inOrder(found, unique)) return found
  return new Map(unique.map((path) => [path, found.get(path) ?? new Error(`${client.storeName}:${path} was not described`)]))
}

/** Whether `found` holds exactly `paths`, in their order, each with an answer. */
function inOrder(found: Map<string, DescribeResult>, paths: readonly string[]): boolean {
  if (found.size !== paths.length) return false
  let i = 0
  for (const [path, result] of found) if (path !== paths[i++] || result === undefined) return false
  return true
}

export const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)))

/**
 * A listing adapter's part of a bulk describe: page through the store's listing, handing each
 * page's entries for wanted paths to `onPage`, which answers how many wanted paths are still
 * unlisted (stop at 0, or when paging costs more than describing the rest). Errors are the
 * adapter's to swallow: what is not listed is described on its own.
 */
export type ListPages<E> = (wanted: ReadonlySet<string>, onPage: (entries: Array<[path: string, entry: E]>) => number) => Promise<void>

/**
 * The bulk describe both listing stores (AWS, GCP) share: each listed path is finished (its
 * versions read, by `finish`) as soon as its page arrives, so the per-secret reads overlap the
 * remaining pages; paths never listed are finished with `undefined` once the listing ends.
 *
 * With `prefetch`, each path's own read (one that needs nothing from the listing) starts at once,
 * `concurrency` at a time, behind the listing's first request, and `finish` gets its outcome with
 * the path's entry: the per-secret reads then need not wait for a page at all (GCP's one page of
 * up to 1,000 secrets took longer than a fifth of the fleet bench's whole run under load).
 */
export async function describeFromListing<E, P = never>(
  paths: readonly string[],
  listPages: ListPages<E>,
  finish: (path: string, entry: E | undefined, prefetched?: PromiseSettledResult<P>) => Promise<SecretSnapshot>,
  concurrency: number,
  prefetch?: (path: string) => Promise<P>,
): Promise<Map<string, DescribeResult>> {
  const unique = [...new Set(paths)]
  const results = new Map<string, DescribeResult>()
  const slots = new Semaphore(concurrency)
  const unlisted = new Set(unique)
  const running: Array<Promise<void>> = []
  const answer = async (path: string, snapshot: Promise<SecretSnapshot>) => {
    results.set(path, await snapshot.catch((error: unknown) => asError(error)))
  }
  let prefetched: Map<string, Promise<PromiseSettledResult<P>>> | undefined
  // One path: its own describe costs what one listing page does, and is never stale.
  const listing = unique.length > 1 && listPages(new Set(unique), (entries) => {
    for (const [path, entry] of entries) if (unlisted.has(path)) start(path, entry)
    return unlisted.size
  })
  // Started after the listing's first request has its place in the store's queue.
  if (prefetch && listing) prefetched = new Map(unique.map((path) => [path, slots.run(() => settle(prefetch(path)))]))
  function start(path: string, entry: E | undefined) {
    unlisted.delete(path)
    const early = prefetched?.get(path)
    // A prefetched path holds no slot while it waits for its read: that read needs one.
    running.push(early ? answer(path, early.then((outcome) => finish(path, entry, outcome))) : slots.run(() => answer(path, finish(path, entry))))
  }
  if (listing) await listing
  for (const path of [...unlisted]) start(path, undefined)
  await Promise.all(running)
  return new Map(unique.map((path) => [path, results.get(path)!]))
}

const settle = <T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> =>
  promise.then(
    (value) => ({status: 'fulfilled', value}),
    (reason: unknown) => ({status: 'rejected', reason}),
  )
