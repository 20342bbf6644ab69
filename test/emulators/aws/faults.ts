/**
 * Fault injection for the AWS emulator: per operation (or `*` for all), by rate or scripted for
 * the next N calls, changeable while the server runs. Rates draw from a seeded RNG when a seed is
 * given, so a benchmark or fault test can be replayed exactly.
 */

/** `drop-response` applies the call, then cuts the connection: the write happened, the answer is lost. */
export type FaultKind = 'throttle' | 'server-error' | 'reset' | 'drop-response'

export interface FaultRates {
  /** Added before the answer (and before a fault), in milliseconds. */
  latencyMs?: number
  /** Share of calls answered `ThrottlingException` (400), 0..1. */
  throttleRate?: number
  /** Share of calls answered `InternalServiceError` (500), 0..1. */
  serverErrorRate?: number
  /** Share of calls whose connection is destroyed without an answer, 0..1. */
  resetRate?: number
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

  /** Sets the rates for one operation, or for all with `*` (an operation's own entry wins). */
  set(operation: string, rates: FaultRates): this {
    this.rates.set(operation, {...rates})
    return this
  }

  /** The next calls of `operation` fail with these faults, in order, before any rate applies. */
  failNext(operation: string, ...kinds: FaultKind[]): this {
    this.scripted.set(operation, [...(this.scripted.get(operation) ?? []), ...kinds])
    return this
  }

  /** Answer AccessDeniedException to this action (`GetSecretValue`, not `secretsmanager:...`). */
  deny(action: string): this {
    this.denied.add(action)
    return this
  }

  allow(action: string): this {
    this.denied.delete(action)
    return this
  }

  isDenied(action: string): boolean {
    return this.denied.has(action)
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
    let edge = rates.resetRate ?? 0
    if (roll < edge) return 'reset'
    edge += rates.throttleRate ?? 0
    if (roll < edge) return 'throttle'
    edge += rates.serverErrorRate ?? 0
    if (roll < edge) return 'server-error'
    return undefined
  }
}
