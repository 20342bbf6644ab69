/**
 * Fault injection shared by the cloud emulators (AWS, Key Vault, GCP): per operation (or `*` for
 * all), by rate or scripted for the next N calls, changeable while the server runs, plus a deny
 * list. Rates draw from a seeded RNG when a seed is given, so a benchmark or fault test can be
 * replayed exactly. Each emulator's `faults.ts` names its fault kinds and rate fields and says in
 * which order the rates are drawn; everything else is here.
 */

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

/** Rates of one operation: `latencyMs` plus one share (0..1) per rate-drawn fault. */
export type Rates<R> = {[K in keyof R]?: number} & {
  /** Added before the answer (and before a fault), in milliseconds. */
  latencyMs?: number
}

export interface FaultInjectorOptions<Kind extends string, R extends Rates<R>> {
  /** The rate fields a roll is compared with, in this order, and the fault each one yields. */
  drawn: ReadonlyArray<readonly [Exclude<keyof R, 'latencyMs'>, Kind]>
  /** `deny('*')` denies every operation (Key Vault); otherwise `*` is a name like any other. */
  denyWildcard?: boolean
  /**
   * An operation whose scripted faults are used up falls back to those scripted for `*` (Key
   * Vault); otherwise only an operation that never had any does.
   */
  scriptWildcardWhenEmpty?: boolean
}

export class FaultInjector<Kind extends string, R extends Rates<R>> {
  private readonly rates = new Map<string, R>()
  private readonly scripted = new Map<string, Kind[]>()
  private readonly denied = new Set<string>()
  private random: () => number

  constructor(
    seed: number | undefined,
    private readonly options: FaultInjectorOptions<Kind, R>,
  ) {
    this.random = seed === undefined ? Math.random : seededRandom(seed)
  }

  /** Sets the rates for one operation, or for all with `*` (an operation's own entry wins). */
  set(operation: string, rates: R): this {
    this.rates.set(operation, {...rates})
    return this
  }

  /** The next calls of `operation` fail with these faults, in order, before any rate applies. */
  failNext(operation: string, ...kinds: Kind[]): this {
    this.scripted.set(operation, [...(this.scripted.get(operation) ?? []), ...kinds])
    return this
  }

  /** Refuse this operation, action or permission (what each emulator checks is its own). */
  deny(name: string): this {
    this.denied.add(name)
    return this
  }

  allow(name: string): this {
    this.denied.delete(name)
    return this
  }

  isDenied(name: string): boolean {
    return this.denied.has(name) || (this.options.denyWildcard === true && this.denied.has('*'))
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
  draw(operation: string): Kind | undefined {
    const own = this.scripted.get(operation)
    const useOwn = this.options.scriptWildcardWhenEmpty ? Boolean(own?.length) : own !== undefined
    const queue = useOwn ? own : this.scripted.get('*')
    if (queue && queue.length > 0) return queue.shift()
    const rates = this.rates.get(operation) ?? this.rates.get('*')
    if (!rates) return undefined
    const roll = this.random()
    let edge = 0
    for (const [field, kind] of this.options.drawn) {
      edge += (rates[field] as number | undefined) ?? 0
      if (roll < edge) return kind
    }
    return undefined
  }

  /** Waits out the operation's latency, then decides its fate (through `draw`, so a test may wrap it). */
  async delayAndDraw(operation: string): Promise<Kind | undefined> {
    const latency = this.latencyFor(operation)
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency))
    return this.draw(operation)
  }
}
