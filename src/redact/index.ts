/**
 * The one redactor. Every SecretValue registers its value here when it is constructed, and the
 * CLI's error funnel, warnings and notes pass their text through `redact`: any value this process
 * has held is replaced by `[redacted]`, and so is anything that has the format of a configured
 * rotor key (prefix + valid checksum), which covers values an SDK error echoes before rotor ever
 * read them. Values shorter than four characters are not registered: masking "abc" everywhere
 * would mangle messages without protecting anything. Each value is also masked in its encoded
 * forms (JSON/inspect escapes for control characters, percent-encoding, base64, hex, byte
 * arrays: forms.ts), and credentials in URLs (`scheme://user:pass@`) are masked wherever they are.
 */
import type {GeneratorPolicy} from '../keys/types.js'
import {keyLength} from '../keys/format.js'
import {FormatMatcher, recognisable} from '../scan/formats.js'
import {encodedForms, redactUrlCredentials as maskUrlCredentials} from './forms.js'
import {KnownValues} from './known-values.js'

export const REDACTED = '[redacted]'
export const MIN_REDACTED_LENGTH = 4

interface RedactorState {
  /** Every value registered (not its encoded forms: `values` derives them). */
  known: Set<string>
  policies: GeneratorPolicy[]
  /** Every value in `known`, searchable; grows as values are registered (never rebuilt). */
  values?: KnownValues
  formats?: FormatMatcher<true>
  /** Shortest text that can hold a known value or key: anything shorter is returned as is. */
  shortest?: number
}

// Under a global symbol so that every copy of this module in one process shares one registry.
const KEY = Symbol.for('rotor.redactor')
const state = ((globalThis as Record<symbol, unknown>)[KEY] ??= {known: new Set(), policies: []}) as RedactorState

/** Remember a value so it never leaves the process in an error or log line. */
export function registerSecret(value: string): void {
  if (value.length < MIN_REDACTED_LENGTH || state.known.has(value)) return
  const values = knownValues()
  state.known.add(value)
  values.add(value)
  // Kept up to date here: recomputing it over every known value after each one is quadratic.
  if (state.shortest !== undefined) state.shortest = Math.min(state.shortest, values.shortest)
}

/** The patterns a registered value is masked in: itself and its encoded forms. */
const patternsOf = (value: string): string[] => [value, ...encodedForms(value)]

/** Mask keys of these generator policies by format (only policies with `checksum: crc32`). */
export function registerKeyFormats(policies: Iterable<GeneratorPolicy>): void {
  state.policies.push(...policies)
  state.formats = undefined
  state.shortest = undefined
}

/** `text` with every known value and every recognisable rotor key replaced by `[redacted]`. */
export function redact(input: string): string {
  const text = redactUrlCredentials(input)
  if (text.length < MIN_REDACTED_LENGTH || (state.known.size === 0 && state.policies.length === 0)) return text
  state.shortest ??= shortestMatch()
  if (text.length < state.shortest) return text
  const values = knownValues()
  state.formats ??= new FormatMatcher(state.policies.map((policy) => ({policy, tag: true as const})))
  const spans: Array<[number, number]> = []
  if (!values.empty) for (const m of values.search(text)) spans.push([m.start, m.end])
  if (!state.formats.empty) for (const m of state.formats.find(text)) spans.push([m.start, m.end])
  if (spans.length === 0) return text
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1])
  let out = ''
  let at = 0
  for (const [start, end] of spans) {
    if (end <= at) continue
    out += text.slice(at, Math.max(at, start)) + (start >= at ? REDACTED : '')
    at = end
  }
  return out + text.slice(at)
}

/** The searchable known values (built from `known` once, when this process's state has none yet). */
function knownValues(): KnownValues {
  if (!state.values) {
    state.values = new KnownValues(patternsOf)
    for (const value of state.known) state.values.add(value)
  }
  return state.values
}

/** Credentials in URLs (`scheme://user:pass@host`) become `scheme://[redacted]@host`. */
export const redactUrlCredentials = (text: string): string => maskUrlCredentials(text, REDACTED)

function shortestMatch(): number {
  let shortest = Infinity
  if (state.known.size > 0) shortest = Math.min(shortest, knownValues().shortest)
  for (const policy of state.policies) if (recognisable(policy)) shortest = Math.min(shortest, keyLength(policy))
  return shortest
}

/** A copy of a JSON-like value with every string redacted (for `--json` error objects). */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redact(value) as T
  if (Array.isArray(value)) return value.map((v) => redactDeep(v)) as T
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v)])) as T
  }
  return value
}

/** Test seam: forget every registered value and format. */
export function resetRedactor(): void {
  state.known.clear()
  state.policies.length = 0
  state.values = undefined
  state.formats = undefined
  state.shortest = undefined
}
