/**
 * Wraps an IssuerClient so every call goes through rotor's one retry helper, as
 * providers/retrying.ts does for stores: retryable errors (UnavailableError, ThrottledError, with
 * its Retry-After honoured) are retried with backoff; nothing else is. The retry wraps the call on
 * the SAME client instance with the SAME arguments, so an `issue` is retried with its rotation id
 * and an issuer's in-memory idempotency guard (aws-iam's CreateAccessKey guard) sees the repeat.
 * `check` on UnavailableError is retried too: a brand-new IAM key takes seconds to work.
 * Safe because every contract method is retry-safe (types.ts: "Every method is safe to retry").
 */
import {defaultRetryPolicy, retry, type RetryHooks, type RetryPolicy} from '../../src/util/retry.js'
import {type IssuerClient, issuerMethods} from './types.js'

/** Every method of the contract that calls the issuer (`nextId` and `credentialId` are pure). */
export const ISSUER_CALLS = [...issuerMethods, 'reactivate'] as const satisfies ReadonlyArray<keyof IssuerClient>

/**
 * A Proxy, not a copy: methods run with `this` the client itself, so clients with `#private`
 * fields (postgres) work through it, pure methods (`nextId`) included.
 */
export function withIssuerRetries(client: IssuerClient, policy: RetryPolicy = defaultRetryPolicy, hooks: RetryHooks = {}): IssuerClient {
  const calls = new Set<PropertyKey>(ISSUER_CALLS)
  return new Proxy(client, {
    get(target, key) {
      const member = Reflect.get(target, key) as unknown
      if (typeof member !== 'function') return member
      const method = member as (...args: unknown[]) => Promise<unknown>
      if (!calls.has(key)) return method.bind(target)
      return (...args: unknown[]) => retry(() => method.apply(target, args), policy, hooks)
    },
  })
}
