/**
 * Per-store pacing: at most `concurrency` calls in flight, and reads and writes each under a
 * token bucket sized to the store's documented quota. When the store throttles anyway (quotas
 * are shared with other clients), the rate of that class halves and then climbs back by 5 % per
 * success: additive increase, multiplicative decrease, as TCP does.
 *
 * Applied by the StoreSet inside the retry decorator, so every attempt, retries included, waits
 * for a token. One contract call counts as one call even where an adapter makes two SDK calls
 * for it; the quotas below leave room for that.
 */
import {isThrottled} from '../src/errors/index.js'
import {sleep as realSleep} from '../src/util/sleep.js'
import {STORE_METHODS, wrapBulkDescribe} from './retrying.js'
import {describesInBulk, type StoreClient} from './types.js'

export interface RateQuota {
  /** Calls allowed per window. */
  limit: number
  windowMs: number
}

export interface Quotas {
  read: RateQuota
  write: RateQuota
  /** Calls in flight at once. */
  concurrency: number
}


export interface PacingClock {
  now(): number
  sleep(ms: number): Promise<void>
}

const realClock: PacingClock = {now: () => Date.now(), sleep: realSleep}

/** A token bucket whose rate can shrink under throttling and recover. */
export class AdaptiveBucket {
  private tokens: number
  private last: number
  private rate: number
  private readonly maxRate: number
  private readonly capacity: number

  constructor(
    quota: RateQuota,
    private readonly clock: PacingClock = realClock,
  ) {
    this.maxRate = quota.limit / quota.windowMs
    this.rate = this.maxRate
    // A burst of up to one second's worth (at least one call) keeps latency low when idle.
    this.capacity = Math.max(1, Math.min(quota.limit, this.maxRate * 1000))
    this.tokens = this.capacity
    this.last = clock.now()
  }

  /** Calls per second now allowed. */
  get currentRatePerSecond(): number {
    return this.rate * 1000
  }

  async take(): Promise<void> {
    for (;;) {
      this.refill()
      if (this.tokens >= 1) {
        this.tokens -= 1
        return
      }
      await this.clock.sleep(Math.ceil((1 - this.tokens) / this.rate))
    }
  }

  throttled(): void {
    this.rate = Math.max(this.maxRate / 64, this.rate / 2)
    this.tokens = Math.min(this.tokens, 0)
  }

  succeeded(): void {
    this.rate = Math.min(this.maxRate, this.rate * 1.05)
  }

  private refill(): void {
    const now = this.clock.now()
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.rate)
    this.last = now
  }
}

/** At most `limit` promises in flight; the rest wait in order. */
export class Semaphore {
  private active = 0
  private readonly waiting: Array<() => void> = []

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve))
    this.active++
    try {
      return await fn()
    } finally {
      this.active--
      this.waiting.shift()?.()
    }
  }
}

export function withLimits(client: StoreClient, quotas: Quotas, clock: PacingClock = realClock): StoreClient {
  const buckets = {read: new AdaptiveBucket(quotas.read, clock), write: new AdaptiveBucket(quotas.write, clock)}
  const slots = new Semaphore(quotas.concurrency)
  const paced = <T>(kind: 'read' | 'write', request: () => Promise<T>): Promise<T> =>
    slots.run(async () => {
      const bucket = buckets[kind]
      await bucket.take()
      try {
        const result = await request()
        bucket.succeeded()
        return result
      } catch (error) {
        if (isThrottled(error)) bucket.throttled()
        throw error
      }
    })
  const wrapped: Record<string, unknown> = {}
  for (const [method, kind] of Object.entries(STORE_METHODS)) {
    if (method === 'describeMany') continue
    const original = (client as unknown as Record<string, ((...args: unknown[]) => Promise<unknown>) | undefined>)[method]
    if (!original) continue
    wrapped[method] = (...args: unknown[]) => paced(kind, () => original.apply(client, args))
  }
  // A bulk describe is many requests (listing pages, then per-secret reads). Paced as one call it
  // would hold one slot and one token for thousands of requests, so each of its requests waits
  // for its own: the store's concurrency is then the real number of requests in flight, and a
  // quota such as GCP's 600 reads a minute holds.
  if (describesInBulk(client)) wrapped.describeMany = wrapBulkDescribe(client, (request) => paced('read', request))
  return Object.assign(Object.create(client) as StoreClient, wrapped)
}

/** For stores on this machine (file, memory): no quota, modest parallelism. */
export const LOCAL_QUOTAS: Quotas = {
  read: {limit: 1_000_000, windowMs: 1000},
  write: {limit: 1_000_000, windowMs: 1000},
  concurrency: 8,
}
