/**
 * Latency and failures the emulator can inject: one-shot rules matched against a request (for
 * exact tests), and rates drawn from a seeded generator (for soak-style tests that must
 * replay identically). 429s carry Retry-After like Vault's rate-limit quotas with response
 * headers enabled; a "reset" destroys the socket without answering. The seeded generator is
 * the one the other emulators use (../shared/faults.ts).
 */
import {seededRandom as mulberry32} from '../shared/faults.js'

/** A small seeded PRNG so injected failure sequences replay exactly. */
export {mulberry32}

export interface FaultRule {
  method?: string
  /** Substring or pattern of the request path after `/v1/`. */
  path?: string | RegExp
  status?: number
  errors?: string[]
  retryAfterSeconds?: number
  reset?: boolean
  /**
   * `before` (default): fail instead of serving. `after`: serve the request, then drop the
   * connection, as when a response is lost after the write committed.
   */
  phase?: 'before' | 'after'
  /** How many matching requests this rule affects; default 1. */
  times?: number
}

export type FaultOutcome =
  | {kind: 'reset'}
  | {kind: 'reset-after'}
  | {kind: 'reply'; status: number; errors: string[]; headers?: Record<string, string>}

export class Faults {
  latencyMs = 0
  /** Probabilities per request; `lost` serves the request and then drops the response. */
  rates = {throttle: 0, error: 0, reset: 0, lost: 0}
  private readonly rules: Array<FaultRule & {remaining: number}> = []
  private random: () => number

  constructor(seed = 1) {
    this.random = mulberry32(seed)
  }

  seed(seed: number): void {
    this.random = mulberry32(seed)
  }

  /** Fail the next matching request(s) in the given way. */
  inject(rule: FaultRule): void {
    this.rules.push({...rule, remaining: rule.times ?? 1})
  }

  clear(): void {
    this.rules.length = 0
    this.rates = {throttle: 0, error: 0, reset: 0, lost: 0}
    this.latencyMs = 0
  }

  pick(method: string, path: string): FaultOutcome | undefined {
    const index = this.rules.findIndex((r) => matches(r, method, path))
    if (index !== -1) {
      const rule = this.rules[index]
      if (--rule.remaining <= 0) this.rules.splice(index, 1)
      return outcome(rule)
    }
    const draw = this.random()
    const {throttle, error, reset, lost} = this.rates
    if (draw < throttle) return outcome({status: 429, retryAfterSeconds: 1})
    if (draw < throttle + error) return outcome({status: 500})
    if (draw < throttle + error + reset) return {kind: 'reset'}
    if (draw < throttle + error + reset + lost) return {kind: 'reset-after'}
    return undefined
  }
}

function matches(rule: FaultRule, method: string, path: string): boolean {
  if (rule.method && rule.method !== method) return false
  if (rule.path === undefined) return true
  return typeof rule.path === 'string' ? path.includes(rule.path) : rule.path.test(path)
}

function outcome(rule: FaultRule): FaultOutcome {
  if (rule.phase === 'after') return {kind: 'reset-after'}
  if (rule.reset) return {kind: 'reset'}
  const status = rule.status ?? 500
  const defaults: Record<number, string> = {
    429: 'request path: rate limit quota exceeded',
    500: 'internal error',
    502: 'bad gateway',
    503: 'Vault is sealed',
  }
  return {
    kind: 'reply',
    status,
    errors: rule.errors ?? [defaults[status] ?? 'injected failure'],
    ...(rule.retryAfterSeconds !== undefined ? {headers: {'retry-after': String(rule.retryAfterSeconds)}} : {}),
  }
}
