/**
 * The shapes a value takes on its way out of a process: escaped in a JSON body or by
 * util.inspect (control characters, NUL), percent-encoded in a URL or form, base64 (at each of
 * the three byte offsets it may start at inside a longer text, as in `Basic base64(user:value)`),
 * hex, and a byte array printed as decimal numbers. The redactor masks each of them.
 */
import {inspect} from 'node:util'

/** Derived forms of shorter values would match ordinary text (ids, hashes) too often. */
export const MIN_ENCODED_LENGTH = 8

export function encodedForms(value: string): string[] {
  if (value.length < MIN_ENCODED_LENGTH) return []
  const bytes = Buffer.from(value, 'utf8')
  const forms = new Set<string>([
    JSON.stringify(value).slice(1, -1),
    inspect(value).slice(1, -1),
    encodeURIComponent(value),
    encodeURIComponent(value).replace(/%20/g, '+'),
    bytes.toString('hex'),
    bytes.toString('hex').toUpperCase(),
    [...bytes].join(','),
    [...bytes].join(', '),
  ])
  for (const offset of [0, 1, 2]) {
    const skip = (3 - offset) % 3
    const aligned = bytes.subarray(skip, skip + Math.floor((bytes.length - skip) / 3) * 3)
    if (aligned.length < 6) continue
    forms.add(aligned.toString('base64'))
    forms.add(aligned.toString('base64url'))
  }
  // A value with control characters may be printed without them, or cut at one (C strings).
  const stripped = value.replace(/\p{Cc}/gu, '')
  if (stripped !== value && stripped.length >= MIN_ENCODED_LENGTH) forms.add(stripped)
  for (const part of value.split(/\p{Cc}+/u)) if (part !== value && part.length >= MIN_ENCODED_LENGTH) forms.add(part)
  forms.delete(value)
  return [...forms].filter((form) => form.length >= MIN_ENCODED_LENGTH)
}

/** `scheme://user:pass@host` -> `scheme://[redacted]@host`, in any text. */
export function redactUrlCredentials(text: string, mask: string): string {
  return text.includes('@') ? text.replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, `$1${mask}@`) : text
}
