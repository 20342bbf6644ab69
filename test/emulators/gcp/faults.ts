/**
 * Fault injection for the GCP emulator, shaped like the AWS emulator's: per RPC (or `*` for
 * all), by rate (seeded, replayable) or scripted for the next N calls, changeable while the
 * server runs; plus a permission switch (`deny('secretmanager.versions.add')`) that makes every
 * RPC needing that permission answer PERMISSION_DENIED, and a per-minute write quota.
 */

/** `drop-response` applies the call, then fails it as UNAVAILABLE: the write happened, the answer is lost. */
export type FaultKind = 'unavailable' | 'resource-exhausted' | 'internal' | 'deadline-exceeded' | 'drop-response'

export interface FaultRates {
  /** Added before the answer (and before a fault), in milliseconds. */
  latencyMs?: number
  /** Share of calls answered UNAVAILABLE, 0..1. */
  unavailableRate?: number
  /** Share of calls answered RESOURCE_EXHAUSTED, 0..1. */
  resourceExhaustedRate?: number
  /** Share of calls answered INTERNAL, 0..1. */
  internalRate?: number
}

/** mulberry32: small, fast and good enough to spread faults evenly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export class Faults {
  private readonly rates = new Map<string, FaultRates>()
  private readonly scripted = new Map<string, FaultKind[]>()
  private readonly denied = new Set<string>()
  private random: () => number

  constructor(seed?: number) {
    this.random = seed === undefined ? Math.random : seededRandom(seed)
  }

  /** Sets the rates for one RPC (`AddSecretVersion`), or for all with `*` (an RPC's own entry wins). */
  set(operation: string, rates: FaultRates): this {
    this.rates.set(operation, {...rates})
    return this
  }

  /** The next calls of `operation` fail with these faults, in order, before any rate applies. */
  failNext(operation: string, ...kinds: FaultKind[]): this {
    this.scripted.set(operation, [...(this.scripted.get(operation) ?? []), ...kinds])
    return this
  }

  /** Answer PERMISSION_DENIED to every RPC that needs this IAM permission. */
  deny(permission: string): this {
    this.denied.add(permission)
    return this
  }

  allow(permission: string): this {
    this.denied.delete(permission)
    return this
  }

  isDenied(permission: string): boolean {
    return this.denied.has(permission)
  }

  reseed(seed: number): this {
    this.random = seededRandom(seed)
    return this
  }

  clear(): this {
    this.rates.clear()
    this.scripted.clear()
    this.denied.clear()
    return this
  }

  latencyFor(operation: string): number {
    return (this.rates.get(operation) ?? this.rates.get('*'))?.latencyMs ?? 0
  }

  /** Decides the fate of one call. */
  draw(operation: string): FaultKind | undefined {
    const queue = this.scripted.get(operation) ?? this.scripted.get('*')
    if (queue && queue.length > 0) return queue.shift()
    const rates = this.rates.get(operation) ?? this.rates.get('*')
    if (!rates) return undefined
    const roll = this.random()
    let edge = rates.unavailableRate ?? 0
    if (roll < edge) return 'unavailable'
    edge += rates.resourceExhaustedRate ?? 0
    if (roll < edge) return 'resource-exhausted'
    edge += rates.internalRate ?? 0
    if (roll < edge) return 'internal'
    return undefined
  }
}

/** A fixed one-minute window, like the service's per-minute quotas. */
export class MinuteQuota {
  private windowStart = 0
  private used = 0

  constructor(
    public limit: number,
    private readonly now: () => number,
  ) {}

  /** True when the call fits in this minute's quota (and counts it). */
  take(): boolean {
    const now = this.now()
    if (now - this.windowStart >= 60_000) {
      this.windowStart = now - (now % 60_000)
      this.used = 0
    }
    if (this.used >= this.limit) return false
    this.used++
    return true
  }

  /** Milliseconds until the current window ends. */
  resetInMs(): number {
    return Math.max(0, this.windowStart + 60_000 - this.now())
  }
}
