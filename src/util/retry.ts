/**
 * The one retry helper. It retries only errors whose `retryable` flag is set (see
 * src/errors), with exponential backoff and full jitter under a cap, and waits at least as
 * long as a ThrottledError's Retry-After. No other code in rotor loops on failures.
 */
import {isRetryable, isThrottled} from '../errors/index.js'
import {sleep as realSleep} from './sleep.js'

export interface RetryPolicy {
  /** Total attempts, including the first. */
  attempts: number
  baseMs: number
  capMs: number
}

export const defaultRetryPolicy: RetryPolicy = {attempts: 6, baseMs: 100, capMs: 10_000}

export interface RetryHooks {
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

export async function retry<T>(fn: () => Promise<T>, policy: RetryPolicy = defaultRetryPolicy, hooks: RetryHooks = {}): Promise<T> {
  const sleep = hooks.sleep ?? realSleep
  const random = hooks.random ?? Math.random
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn()
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.attempts) throw error
      const delayMs = backoffMs(attempt, policy, random, isThrottled(error) ? error.retryAfterMs : undefined)
      hooks.onRetry?.(error, attempt, delayMs)
      await sleep(delayMs)
    }
  }
}

/** Full jitter: uniform in [0, min(cap, base * 2^(attempt-1))], never below Retry-After. */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** (attempt - 1))
  const jittered = Math.floor(random() * ceiling)
  return Math.max(jittered, retryAfterMs ?? 0)
}
