import type {AlphabetName, GeneratorPolicy} from './types.js'

const DIGITS = '0123456789'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const LOWER = 'abcdefghijklmnopqrstuvwxyz'

/**
 * Symbols added to base62 by `alnum-symbols`. Each one is literal in an unquoted POSIX shell
 * word (no expansion, globbing, comment, redirection or history meaning) and is a valid URL path
 * character without percent-encoding. Left out on purpose: `~` (tilde expansion after `=` or
 * `:`), `!` (bash history), `#` (comment, URL fragment), `%` (percent-decoding), `$` `&` `;` `*`
 * `?` `'` `"` and brackets (shell syntax), and whitespace. Known rough edges: `+` turns into a
 * space in form-encoded query strings and `:`/`@` confuse naive `user:pass@host` parsers; use
 * base62 or base64url for values that travel in URLs. A leading `-` or `=` can look like a flag
 * or trigger zsh `=cmd` expansion, which a prefix avoids.
 */
export const SYMBOLS = '+,-.:=@_'

export const ALPHABETS: Readonly<Record<Exclude<AlphabetName, 'custom'>, string>> = {
  base62: DIGITS + UPPER + LOWER,
  base64url: UPPER + LOWER + DIGITS + '-_',
  hex: '0123456789abcdef',
  'alnum-symbols': DIGITS + UPPER + LOWER + SYMBOLS,
}

/** The characters used to encode CRC-32 checksums, whatever the policy's alphabet. */
export const BASE62 = ALPHABETS.base62

/**
 * Problems with a custom alphabet. Only printable ASCII is allowed: keys end up in HTTP headers,
 * env files and shells, where non-ASCII text gets re-encoded or normalised into other bytes.
 */
export function customAlphabetProblems(characters: string | undefined): string[] {
  if (characters === undefined || characters === '') {
    return ['alphabet "custom" needs `characters` with at least 2 distinct characters']
  }
  const problems: string[] = []
  const chars = [...characters]
  const bad = chars.filter((c) => !/^[\x21-\x7e]$/.test(c))
  if (bad.length > 0) {
    const shown = [...new Set(bad)].map((c) => describeChar(c)).join(', ')
    problems.push(`custom characters must be printable ASCII without whitespace; found ${shown}`)
  }
  const duplicates = [...new Set(chars.filter((c, i) => chars.indexOf(c) !== i))]
  if (duplicates.length > 0) {
    problems.push(`custom characters contain duplicates: ${duplicates.map((c) => JSON.stringify(c)).join(', ')}`)
  }
  if (new Set(chars).size < 2) {
    problems.push('custom characters must contain at least 2 distinct characters')
  }
  return problems
}

/** The characters a policy draws from; for `custom`, its `characters` as given (validate first). */
export function alphabetCharacters(policy: Pick<GeneratorPolicy, 'alphabet' | 'characters'>): string {
  if (policy.alphabet === 'custom') return policy.characters ?? ''
  const characters = ALPHABETS[policy.alphabet] as string | undefined
  if (characters === undefined) throw new RangeError(`unknown alphabet ${JSON.stringify(policy.alphabet)}`)
  return characters
}

function describeChar(c: string): string {
  const code = c.codePointAt(0) ?? 0
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`
}
