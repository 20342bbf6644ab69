/**
 * ListSecrets / BatchGetSecretValue filters and paging, after the API reference's `Filter` type:
 * keys description (prefix, case-insensitive), name, tag-key, tag-value, primary-region,
 * owning-service (prefix, case-sensitive), all (words, case-insensitive); a leading `!` negates;
 * values within one filter are ORed, filters are ANDed; 1-10 values of at most 512 characters
 * matching `^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$`.
 */
import {AwsFault, type EmuSecret} from './model.js'

export interface EmuFilter {
  Key: string
  Values: string[]
}

const FILTER_KEYS = new Set(['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'])
const VALUE_PATTERN = /^!?[a-zA-Z0-9 :_@/+=.\-!]*$/

export function validateFilters(value: unknown): EmuFilter[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.length > 10) throw new AwsFault('ValidationException', 'Filters must be a list of at most 10 filters.')
  for (const filter of value as EmuFilter[]) {
    if (!FILTER_KEYS.has(filter?.Key)) {
      throw new AwsFault(
        'ValidationException',
        `1 validation error detected: Value '${String(filter?.Key)}' at 'filters.member.key' failed to satisfy constraint: Member must satisfy enum value set: [description, name, tag-key, tag-value, primary-region, owning-service, all]`,
      )
    }
    const values = filter.Values
    if (!Array.isArray(values) || values.length < 1 || values.length > 10) {
      throw new AwsFault('ValidationException', "1 validation error detected: Value at 'filters.member.values' failed to satisfy constraint: Member must have length between 1 and 10")
    }
    for (const v of values) {
      if (typeof v !== 'string' || v.length > 512 || !VALUE_PATTERN.test(v)) {
        throw new AwsFault('ValidationException', `1 validation error detected: Value '${String(v)}' at 'filters.member.values' failed to satisfy constraint: Member must satisfy regular expression pattern`)
      }
    }
  }
  return value as EmuFilter[]
}

export function matchesFilters(secret: EmuSecret, filters: EmuFilter[]): boolean {
  return filters.every((filter) => filter.Values.some((value) => matchesValue(secret, filter.Key, value)))
}

function matchesValue(secret: EmuSecret, key: string, raw: string): boolean {
  const negate = raw.startsWith('!')
  const value = negate ? raw.slice(1) : raw
  const matched = matchesKey(secret, key, value)
  return negate ? !matched : matched
}

function matchesKey(secret: EmuSecret, key: string, value: string): boolean {
  switch (key) {
    case 'name':
      return secret.name.startsWith(value)
    case 'description':
      return (secret.description ?? '').toLowerCase().startsWith(value.toLowerCase())
    case 'tag-key':
      return secret.tags.some((t) => t.Key.startsWith(value))
    case 'tag-value':
      return secret.tags.some((t) => t.Value.startsWith(value))
    case 'primary-region':
      // No replication here, so no secret has a primary region other than its own.
      return false
    case 'owning-service':
      return false
    case 'all': {
      const words = splitWords(value)
      const haystack = [secret.name, secret.description ?? '', ...secret.tags.flatMap((t) => [t.Key, t.Value])].flatMap(splitWords)
      return words.every((word) => haystack.some((h) => h.startsWith(word)))
    }
    default:
      return false
  }
}

/** Words break at case changes, letter/number changes and punctuation, compared lower-case. */
function splitWords(text: string): string[] {
  return (text.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+/g) ?? []).map((w) => w.toLowerCase())
}

/** Opaque tokens carry an offset; a token the service did not hand out is refused. */
export function page<T>(items: T[], maxResults: unknown, nextToken: unknown, limit: number): {items: T[]; nextToken?: string} {
  let size = limit
  if (maxResults !== undefined) {
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1 || maxResults > limit) {
      throw new AwsFault('ValidationException', `1 validation error detected: Value at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${limit}`)
    }
    size = maxResults
  }
  let start = 0
  if (nextToken !== undefined) {
    const decoded = typeof nextToken === 'string' ? /^emu1:(\d+)$/.exec(Buffer.from(nextToken, 'base64').toString('utf8')) : null
    if (!decoded) throw new AwsFault('InvalidNextTokenException', 'The NextToken value is invalid.')
    start = Number(decoded[1])
  }
  const end = start + size
  return {
    items: items.slice(start, end),
    ...(end < items.length ? {nextToken: Buffer.from(`emu1:${end}`).toString('base64')} : {}),
  }
}
