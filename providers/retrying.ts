/**
 * Wraps a StoreClient so every call goes through rotor's one retry helper. Safe because every
 * contract method is idempotent (writes carry the rotation id, promote, retire and reinstate are
 * no-ops when already done). Optional methods are wrapped only where the client has them.
 */
import {defaultRetryPolicy, retry, type RetryHooks, type RetryPolicy} from '../src/util/retry.js'
import {type BatchReading, type BulkDescribing, type DescribeManyOptions, describesInBulk, type Reinstating, type RetiredValueReader, type StoreClient} from './types.js'

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
} as const satisfies Record<
  Exclude<Method, 'close'> | keyof Reinstating | keyof RetiredValueReader | keyof BatchReading | keyof BulkDescribing,
  'read' | 'write'
>

type FullClient = StoreClient & Partial<Reinstating> & Partial<RetiredValueReader> & Partial<BatchReading>

/**
 * A bulk describe makes many requests (listing pages, then per-secret reads): the decorator hands
 * `wrap` down through `options.call` so each request gets it on its own, inside the caller's.
 */
export function wrapBulkDescribe(
  client: StoreClient & BulkDescribing,
  wrap: <T>(request: () => Promise<T>) => Promise<T>,
): BulkDescribing['describeMany'] {
  return (paths: string[], options?: DescribeManyOptions) =>
    client.describeMany(paths, {...options, call: (request) => wrap(() => (options?.call ? options.call(request) : request()))})
}

export function withRetries(client: StoreClient, policy: RetryPolicy = defaultRetryPolicy, hooks: RetryHooks = {}): StoreClient {
  const wrapped: Record<string, unknown> = {}
  for (const method of Object.keys(STORE_METHODS) as Array<keyof typeof STORE_METHODS>) {
    if (method === 'describeMany') continue
    const original = (client as FullClient)[method] as ((...args: unknown[]) => Promise<unknown>) | undefined
    if (!original) continue
    wrapped[method] = (...args: unknown[]) => retry(() => original.apply(client, args), policy, hooks)
  }
  // Each request of a bulk describe is retried on its own: a throttled page or secret must not
  // repeat the thousands of others.
  if (describesInBulk(client)) wrapped.describeMany = wrapBulkDescribe(client, (request) => retry(request, policy, hooks))
  return Object.assign(Object.create(client) as StoreClient, wrapped)
}
