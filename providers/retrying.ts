/**
 * Wraps a StoreClient so every call goes through rotor's one retry helper. Safe because every
 * contract method is idempotent (writes carry the rotation id, promote and retire are no-ops
 * when already done).
 */
import {defaultRetryPolicy, retry, type RetryHooks, type RetryPolicy} from '../src/util/retry.js'
import type {StoreClient} from './types.js'

type Method = {[K in keyof StoreClient]: StoreClient[K] extends (...args: never[]) => unknown ? K : never}[keyof StoreClient]

const METHODS: Method[] = ['describe', 'describeMany', 'readValue', 'writeVersion', 'promote', 'retire', 'setMeta', 'adopt', 'doctor', 'list']

export function withRetries(client: StoreClient, policy: RetryPolicy = defaultRetryPolicy, hooks: RetryHooks = {}): StoreClient {
  const wrapped: Record<string, unknown> = {}
  for (const method of METHODS) {
    const original = client[method] as (...args: unknown[]) => Promise<unknown>
    wrapped[method] = (...args: unknown[]) => retry(() => original.apply(client, args), policy, hooks)
  }
  return Object.assign(Object.create(client) as StoreClient, wrapped)
}
