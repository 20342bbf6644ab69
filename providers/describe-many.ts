/**
 * Describing many paths of one store: through the client's bulk describe where it has one
 * (capabilities.bulkDescribe), else one describe a path with at most `concurrency` in flight.
 * Either way every path gets its own answer, a snapshot or the error met reading it.
 */
import {mapLimit} from '../src/util/pool.js'
import {type DescribeResult, describesInBulk, type StoreClient} from './types.js'

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
  return new Map(unique.map((path) => [path, found.get(path) ?? new Error(`${client.storeName}:${path} was not described`)]))
}

export const asError = (error: unknown): Error => (error instanceof Error ? error : new Error(String(error)))
