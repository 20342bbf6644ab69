/**
 * Fault injection for the Key Vault emulator, the same shape as the AWS emulator's (the logic is
 * shared, ../shared/faults.ts): per operation (or `*` for all), by rate or scripted for the next
 * N calls, changeable while the server runs, with a seeded RNG so a run can be replayed.
 * Operations are named as in the REST reference (`SetSecret`, `GetSecret`, `GetSecretVersions`,
 * `UpdateSecret`, ...). `deny` makes an operation (or every one, with `*`) answer 403
 * ForbiddenByRbac, as when the role assignment lacks its data action.
 */
import {FaultInjector} from '../shared/faults.js'

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

export class Faults extends FaultInjector<FaultKind, FaultRates> {
  /** Seconds sent in Retry-After with a 429, as Key Vault does. */
  retryAfterSeconds = 1

  constructor(seed?: number) {
    super(seed, {
      drawn: [
        ['resetRate', 'reset'],
        ['throttleRate', 'throttle'],
        ['serverErrorRate', 'server-error'],
      ],
      denyWildcard: true,
      scriptWildcardWhenEmpty: true,
    })
  }
}
