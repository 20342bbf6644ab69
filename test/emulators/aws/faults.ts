/**
 * Fault injection for the AWS emulator: per operation (or `*` for all), by rate or scripted for
 * the next N calls, changeable while the server runs. Rates draw from a seeded RNG when a seed is
 * given, so a benchmark or fault test can be replayed exactly. The logic is shared with the other
 * emulators (../shared/faults.ts); `deny` takes an action (`GetSecretValue`, not
 * `secretsmanager:...`) and makes it answer AccessDeniedException.
 */
import {FaultInjector} from '../shared/faults.js'

export {seededRandom} from '../shared/faults.js'

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

export class Faults extends FaultInjector<FaultKind, FaultRates> {
  constructor(seed?: number) {
    super(seed, {
      drawn: [
        ['resetRate', 'reset'],
        ['throttleRate', 'throttle'],
        ['serverErrorRate', 'server-error'],
      ],
    })
  }
}
