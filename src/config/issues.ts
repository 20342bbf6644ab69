/**
 * Turns zod issues into problems a person can act on: which key, what was expected, and a
 * "did you mean" where a near miss is likely. Messages name the kind of a bad value but echo
 * its text only where it cannot be a secret (store settings may hold interpolated credentials).
 */
import type {z} from 'zod'
import type {KeyPath} from './locate.js'
import {kindOf, type PathProblem} from './problems.js'
import {didYouMean} from './suggest.js'

type Issue = z.core.$ZodIssue
type RawIssue = z.core.$ZodRawIssue

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a map',
  record: 'a map',
  array: 'a list',
  null: 'nothing',
}

const typeName = (expected: string): string => TYPE_NAMES[expected] ?? expected

/** Per-parse error map: messages for issues whose schema did not bring its own. */
export function errorMap(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      return `expected ${typeName(issue.expected)}, got ${kindOf(issue.input)}`
    case 'too_small': {
      const min = Number(issue.minimum)
      if (issue.origin === 'string') return min === 1 ? 'must not be empty' : `must be at least ${min} characters long`
      if (issue.origin === 'array') return `must list at least ${min} item${min === 1 ? '' : 's'}`
      return issue.inclusive === false ? `must be greater than ${min}` : `must be at least ${min}`
    }
    case 'too_big': {
      const max = Number(issue.maximum)
      if (issue.origin === 'string') return `must be at most ${max} characters long`
      if (issue.origin === 'array') return `must list at most ${max} item${max === 1 ? '' : 's'}`
      return issue.inclusive === false ? `must be less than ${max}` : `must be at most ${max}`
    }
    case 'invalid_format':
      return issue.format === 'regex' ? `must match ${issue.pattern}` : `expected a valid ${issue.format}`
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`
    default:
      return undefined
  }
}

interface Lookup {
  found: boolean
  value: unknown
}

function lookup(data: unknown, path: KeyPath): Lookup {
  let value = data
  for (const segment of path) {
    if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) {
      return {found: false, value: undefined}
    }
    value = (value as Record<string | number, unknown>)[segment]
  }
  return {found: true, value}
}

/** A value quoted for a message; only short scalars, never inside store settings. */
function shown(value: unknown, path: KeyPath): string {
  const quotable = typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
  if (!quotable || path[0] === 'stores' || String(value).length > 60) return kindOf(value)
  return JSON.stringify(value)
}

interface ZodDef {
  type: string
  innerType?: z.ZodType
  in?: z.ZodType
  shape?: Record<string, z.ZodType>
  valueType?: z.ZodType
  element?: z.ZodType
  options?: z.ZodType[]
  discriminator?: string
  values?: unknown[]
}

const defOf = (schema: z.ZodType): ZodDef => schema._zod.def as unknown as ZodDef
const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional'])

/** The schema that validates `value`, looking through wrappers, pipes and unions. */
function unwrap(schema: z.ZodType, value: unknown): z.ZodType {
  let current = schema
  for (;;) {
    const def = defOf(current)
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType
    else if (def.type === 'pipe' && def.in) current = def.in
    else if (def.type === 'union' && def.options) current = pickOption(def, value)
    else return current
  }
}

function pickOption(def: ZodDef, value: unknown): z.ZodType {
  const options = def.options ?? []
  const isMap = value !== null && typeof value === 'object' && !Array.isArray(value)
  if (def.discriminator && isMap) {
    const wanted = (value as Record<string, unknown>)[def.discriminator]
    const match = options.find((option) => {
      const field = defOf(unwrap(option, value)).shape?.[def.discriminator as string]
      return field !== undefined && (defOf(field).values ?? []).includes(wanted)
    })
    if (match) return match
  }
  return options.find((option) => (defOf(unwrap(option, value)).type === 'object') === isMap) ?? options[0]
}

/** Keys the schema allows in the map at `path`, in schema order. */
export function allowedKeys(schema: z.ZodType, data: unknown, path: KeyPath): string[] {
  let current: z.ZodType | undefined = schema
  let value = data
  for (const segment of path) {
    if (!current) return []
    const def = defOf(unwrap(current, value))
    if (def.type === 'object') current = def.shape?.[String(segment)]
    else if (def.type === 'record') current = def.valueType
    else if (def.type === 'array') current = def.element
    else current = undefined
    value = lookup(value, [segment]).value
  }
  if (!current) return []
  return Object.keys(defOf(unwrap(current, value)).shape ?? {})
}

/** Problems for one parse's issues; `data` is the input that was parsed. */
export function issuesToProblems(issues: readonly Issue[], schema: z.ZodType, data: unknown): PathProblem[] {
  const out: PathProblem[] = []
  for (const issue of issues) convert(issue, [], schema, data, out)
  return out
}

function convert(issue: Issue, base: KeyPath, schema: z.ZodType, data: unknown, out: PathProblem[]): void {
  const path = [...base, ...issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)))]
  const here = lookup(data, path)
  const last = path.at(-1)

  switch (issue.code) {
    case 'unrecognized_keys': {
      const allowed = allowedKeys(schema, data, path)
      const expected = allowed.length > 0 ? `; expected one of: ${allowed.join(', ')}` : ''
      for (const key of issue.keys) {
        out.push({
          path: [...path, key],
          anchor: 'key',
          message: `unknown key "${key}"${expected}${didYouMean(key, allowed)}`,
        })
      }
      return
    }
    case 'invalid_key': {
      const detail = issue.issues[0]?.message ?? 'invalid key'
      const what = path.length === 2 && (path[0] === 'secrets' || path[0] === 'stores') ? `${path[0].slice(0, -1)} name` : 'key'
      out.push({path, anchor: 'key', message: `invalid ${what} ${JSON.stringify(String(last))}: ${detail}`})
      return
    }
    case 'invalid_union': {
      if (issue.discriminator !== undefined) {
        const options = ('options' in issue ? (issue.options ?? []) : []).map(String)
        const expected = `expected one of: ${options.join(', ')}`
        if (!here.found) {
          out.push({path, anchor: 'key', message: `missing required key "${issue.discriminator}"; ${expected}`})
        } else {
          const value = shown(here.value, [])
          const hint = typeof here.value === 'string' ? didYouMean(here.value, options) : ''
          out.push({path, message: `unknown ${issue.discriminator} ${value}; ${expected}${hint}`})
        }
        return
      }
      convertUnion(issue, path, schema, data, here, out)
      return
    }
    case 'invalid_type':
      if (!here.found && last !== undefined) {
        out.push({path, anchor: 'key', message: `missing required key "${String(last)}"`})
      } else {
        out.push({path, message: issue.message})
      }
      return
    case 'invalid_value': {
      const values = issue.values.map((v) => String(v))
      const expected = values.length === 1 ? `expected ${JSON.stringify(issue.values[0])}` : `expected one of: ${values.join(', ')}`
      const hint = typeof here.value === 'string' ? didYouMean(here.value, values) : ''
      out.push({path, message: `${expected}, got ${shown(here.value, path)}${hint}`})
      return
    }
    default:
      out.push({path, message: issue.message})
  }
}

/** Report the branch that matched the value's shape; otherwise list what would have fit. */
function convertUnion(
  issue: Extract<Issue, {code: 'invalid_union'}>,
  path: KeyPath,
  schema: z.ZodType,
  data: unknown,
  here: Lookup,
  out: PathProblem[],
): void {
  const wrongShape = (branch: Issue[]) =>
    branch.length === 1 && branch[0].code === 'invalid_type' && branch[0].path.length === 0
  const branch = issue.errors.find((errors) => errors.length > 0 && !wrongShape(errors))
  if (branch) {
    for (const nested of branch) convert(nested, path, schema, data, out)
    return
  }
  const expected = issue.errors
    .flatMap((errors) => errors.filter((e) => e.code === 'invalid_type').map((e) => typeName(e.expected)))
    .filter((name, i, all) => all.indexOf(name) === i)
  if (!here.found && path.length > 0) {
    out.push({path, anchor: 'key', message: `missing required key "${String(path.at(-1))}"`})
  } else {
    out.push({path, message: `expected ${expected.join(' or ') || 'another value'}, got ${kindOf(here.value)}`})
  }
}
