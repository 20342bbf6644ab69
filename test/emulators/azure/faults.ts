/**
 * Fault injection for the Key Vault emulator, the same shape as the AWS emulator's: per operation
 * (or `*` for all), by rate or scripted for the next N calls, changeable while the server runs,
 * with a seeded RNG so a run can be replayed. Operations are named as in the REST reference
 * (`SetSecret`, `GetSecret`, `GetSecretVersions`, `UpdateSecret`, ...).
 */
import {seededRandom} from '../aws/faults.js'

/** `drop-response` applies the call, then cuts the connection: the write happened, the answer is lost. */
export type FaultKind = 'throttle' | 'server-error' | 'unavailable' | 'reset' | 'drop-response'

export interface FaultRates {
  /** Added before the answer (and before a fault), in milliseconds. */
  latencyMs?: number
  /** Share of calls answered 429 Too Many Requests with Retry-After, 0..1. */
  throttleRate?: number
  /** Share of calls answered 500 InternalServerError, 0..1. */
  serverErrorRate?: number
  /** Share of calls whose connection is destroyed without an answer, 0..1. */
  resetRate?: number
}

export class Faults {
  /** Seconds sent in Retry-After with a 429, as Key Vault does. */
  retryAfterSeconds = 1
  private readonly rates = new Map<string, FaultRates>()
  private readonly scripted = new Map<string, FaultKind[]>()
  private readonly denied = new Set<string>()
  private random: () => number

  constructor(seed?: number) {
    this.random = seed === undefined ? Math.random : seededRandom(seed)
  }

  set(operation: string, rates: FaultRates): this {
    this.rates.set(operation, {...rates})
    return this
  }

  failNext(operation: string, ...kinds: FaultKind[]): this {
    this.scripted.set(operation, [...(this.scripted.get(operation) ?? []), ...kinds])
    return this
  }

  /** Answer 403 ForbiddenByRbac to this operation, as when the role assignment lacks its data action. */
  deny(operation: string): this {
    this.denied.add(operation)
    return this
  }

  allow(operation: string): this {
    this.denied.delete(operation)
    return this
  }

  isDenied(operation: string): boolean {
    return this.denied.has(operation) || this.denied.has('*')
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

  draw(operation: string): FaultKind | undefined {
    const queue = this.scripted.get(operation)?.length ? this.scripted.get(operation) : this.scripted.get('*')
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
