/**
 * The common form of a secret, validated without zod. A fleet's rotor.yaml is 100,000 entries
 * like `{schedule, maxAge, labels, targets}`; zod spends ~40 µs on each (pipes, transforms,
 * issue bookkeeping), seconds in all. quickSecret accepts only what is plainly valid, in the
 * fields listed below, and returns exactly what `secretSchema.parse` would; for anything else
 * (another field, a wrong type, a bad value) it returns undefined and zod parses the entry and
 * words its problems as before. test/unit/config/quick-secret.test.ts holds the two to the same
 * output on generated entries, so a change to these fields in schema.ts shows up there.
 */
import {MANAGED_BY_KEY} from '../../providers/types.js'
import {parseDuration} from './duration.js'
import {DEFAULT_RETIRE, DEFAULT_TIMEZONE, ENVIRONMENT_PATTERN, LABEL_KEY_PATTERN, type ParsedSecret} from './schema.js'

const isPlainMap = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)

/** Parsed durations by their text (undefined: not a duration); a fleet repeats a handful. */
const durations = new Map<string, number | undefined>()
const DURATION_CACHE_LIMIT = 1000

function duration(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined
  if (durations.has(value)) return durations.get(value)
  let parsed: number | undefined
  try {
    parsed = parseDuration(value)
  } catch {
    parsed = undefined
  }
  if (durations.size < DURATION_CACHE_LIMIT) durations.set(value, parsed)
  return parsed
}

/**
 * A target `store:path` that targetRefProblem (schema.ts) accepts: a store name, then segments of
 * A-Z a-z 0-9 _ . - that are neither "." nor "..". One test instead of its five; a ref this does
 * not match goes to zod, which says what is wrong with it.
 */
export const WELL_FORMED_TARGET = /^[a-z0-9][a-z0-9._-]{0,62}:(?!\.\.?(?:\/|$))[A-Za-z0-9_.-]+(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9_.-]+)*$/

/** Label keys already found valid; a fleet uses a handful. */
const labelKeys = new Set<string>()
const LABEL_CACHE_LIMIT = 1000
function isLabelKey(key: string): boolean {
  if (labelKeys.has(key)) return true
  if (!LABEL_KEY_PATTERN.test(key) || key === MANAGED_BY_KEY) return false
  if (labelKeys.size < LABEL_CACHE_LIMIT) labelKeys.add(key)
  return true
}

type Fields = Partial<Record<keyof ParsedSecret, unknown>>

/** Each field this knows: its parsed value, or FAIL for anything zod should look at. */
const FAIL = Symbol('fail')
const FIELDS: Record<string, (value: unknown) => unknown> = {
  description: (value) => (typeof value === 'string' ? value : FAIL),
  schedule(value) {
    if (typeof value === 'string') return {cron: value, timezone: DEFAULT_TIMEZONE}
    if (!isPlainMap(value) || typeof value.cron !== 'string') return FAIL
    let keys = 0
    for (const key in value) if (Object.hasOwn(value, key)) keys++
    const hasZone = Object.hasOwn(value, 'timezone')
    if (keys !== (hasZone ? 2 : 1) || (hasZone && typeof value.timezone !== 'string')) return FAIL
    return {cron: value.cron, timezone: hasZone ? value.timezone : DEFAULT_TIMEZONE}
  },
  maxAge: (value) => duration(value) ?? FAIL,
  grace: (value) => duration(value) ?? FAIL,
  retire: (value) => (value === 'disable' || value === 'destroy' ? value : FAIL),
  environment: (value) => (typeof value === 'string' && ENVIRONMENT_PATTERN.test(value) ? value : FAIL),
  labels(value) {
    if (!isPlainMap(value)) return FAIL
    const labels: Record<string, string> = {}
    for (const key of Object.keys(value)) {
      const label = value[key]
      if (typeof label !== 'string' || !isLabelKey(key)) return FAIL
      labels[key] = label
    }
    return labels
  },
  adopt: (value) => (typeof value === 'boolean' ? value : FAIL),
  targets(value) {
    if (!Array.isArray(value) || value.length === 0) return FAIL
    const targets: Array<{store: string; path: string}> = []
    for (const ref of value) {
      if (typeof ref !== 'string' || !WELL_FORMED_TARGET.test(ref)) return FAIL
      const colon = ref.indexOf(':')
      targets.push({store: ref.slice(0, colon), path: ref.slice(colon + 1)})
    }
    return targets
  },
}

/** What the schema fills in for a field the entry leaves out. */
const DEFAULTS = {retire: DEFAULT_RETIRE, labels: () => ({}), adopt: false}

/** `secretSchema.parse(raw)` for an entry in the common form; undefined for anything else. */
export function quickSecret(raw: unknown): ParsedSecret | undefined {
  if (!isPlainMap(raw)) return undefined
  const parsed: Fields = {}
  for (const key of Object.keys(raw)) {
    const read = Object.hasOwn(FIELDS, key) ? FIELDS[key] : undefined
    if (!read) return undefined
    const value = read(raw[key])
    if (value === FAIL) return undefined
    parsed[key as keyof ParsedSecret] = value
  }
  if (parsed.targets === undefined) return undefined
  parsed.retire ??= DEFAULTS.retire
  parsed.labels ??= DEFAULTS.labels()
  parsed.adopt ??= DEFAULTS.adopt
  return parsed as ParsedSecret
}
