/**
 * Wraps a StoreClient so every call goes through rotor's one retry helper. Safe because every
 * contract method is idempotent (writes carry the rotation id, promote, retire and reinstate are
 * no-ops when already done). Optional methods are wrapped only where the client has them.
 */
import {defaultRetryPolicy, retry, type RetryHooks, type RetryPolicy} from '../src/util/retry.js'
import type {BatchReading, Reinstating, RetiredValueReader, StoreClient} from './types.js'

type Method = {[K in keyof Required<StoreClient>]: Required<StoreClient>[K] extends (...args: never[]) => unknown ? K : never}[keyof StoreClient]

/** Every method of the contract, optional ones included; `satisfies` keeps the list complete. */
export const STORE_METHODS = {
  describe: 'read',
  describeMany: 'read',
  readValue: 'read',
  list: 'read',
  doctor: 'read',
  writeVersion: 'write',
  promote: 'write',
  retire: 'write',
  setMeta: 'write',
  adopt: 'write',
  readRetiredValue: 'read',
  reinstate: 'write',
  readMany: 'read',
} as const satisfies Record<Exclude<Method, 'close'> | keyof Reinstating | keyof RetiredValueReader | keyof BatchReading, 'read' | 'write'>

type FullClient = StoreClient & Partial<Reinstating> & Partial<RetiredValueReader> & Partial<BatchReading>

export function withRetries(client: StoreClient, policy: RetryPolicy = defaultRetryPolicy, hooks: RetryHooks = {}): StoreClient {
  const wrapped: Record<string, unknown> = {}
  for (const method of Object.keys(STORE_METHODS) as Array<keyof typeof STORE_METHODS>) {
    const original = (client as FullClient)[method] as ((...args: unknown[]) => Promise<unknown>) | undefined
    if (!original) continue
    wrapped[method] = (...args: unknown[]) => retry(() => original.apply(client, args), policy, hooks)
  }
  // One describe per path (no store has a batch describe), each retried on its own: a throttled
  // path must not repeat the ninety-nine others of its chunk.
  const describe = wrapped.describe as StoreClient['describe']
  wrapped.describeMany = (paths: string[]) => Promise.all(paths.map((path) => describe(path)))
  return Object.assign(Object.create(client) as StoreClient, wrapped)
}
