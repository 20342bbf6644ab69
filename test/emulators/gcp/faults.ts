/**
 * Fault injection for the GCP emulator, shaped like the AWS emulator's: per RPC (or `*` for
 * all), by rate (seeded, replayable) or scripted for the next N calls, changeable while the
 * server runs; plus a permission switch (`deny('secretmanager.versions.add')`) that makes every
 * RPC needing that permission answer PERMISSION_DENIED, and a per-minute write quota. The
 * injection logic is shared with the other emulators (../shared/faults.ts).
 */
import {FaultInjector} from '../shared/faults.js'

export {seededRandom} from '../shared/faults.js'

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

export class Faults extends FaultInjector<FaultKind, FaultRates> {
  constructor(seed?: number) {
    super(seed, {
      drawn: [
        ['unavailableRate', 'unavailable'],
        ['resourceExhaustedRate', 'resource-exhausted'],
        ['internalRate', 'internal'],
      ],
    })
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
