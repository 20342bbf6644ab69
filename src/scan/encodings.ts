/**
 * The encoded forms of a value that scan looks for, as bytes: how a value really leaks (an
 * `Authorization: Basic` header, a URL, a hex dump, a Windows UTF-16 file). Base64 has three
 * forms, one per position of the value in the encoded stream (its byte offset mod 3): the
 * characters that also depend on the bytes before or after the value are left out, so the rest
 * is the same whatever surrounds the value (`user:` before it, anything after it).
 */

export type Encoding = 'plain' | 'base64' | 'base64url' | 'percent' | 'hex' | 'utf16le' | 'utf16be'

export interface EncodedForm {
  encoding: Encoding
  bytes: Buffer
}

/**
 * Encoded forms shorter than this are not searched: a 6-character base64 fragment occurs by
 * chance in any large tree. The plain form is always searched.
 */
export const MIN_ENCODED_LENGTH = 8

/** The part of base64(k bytes + value) that depends only on the value, for k = 0, 1, 2. */
export function base64Inner(value: Buffer, offset: 0 | 1 | 2): string {
  const encoded = Buffer.concat([Buffer.alloc(offset), value]).toString('base64')
  const from = Math.ceil((8 * offset) / 6)
  const to = Math.floor((8 * (offset + value.length)) / 6)
  return encoded.slice(from, to)
}

const lowerHexEscapes = (text: string) => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase())
const strictEscapes = (text: string) => text.replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)

/**
 * Percent-encodings a value can take: encodeURIComponent, RFC 3986 strict (also `!'()*`), and
 * form encoding (space as `+`), each with upper- and lower-case hex digits.
 */
export function percentForms(value: string): string[] {
  const component = encodeURIComponent(value)
  const form = new URLSearchParams({v: value}).toString().slice(2)
  const forms = [component, strictEscapes(component), form]
  return [...new Set([...forms, ...forms.map(lowerHexEscapes)])]
}

/** Every form of `value` scan searches for, the plain one first, without duplicates. */
export function encodedForms(value: string): EncodedForm[] {
  const plain = Buffer.from(value, 'utf8')
  const forms: EncodedForm[] = [{encoding: 'plain', bytes: plain}]
  const seen = new Set([plain.toString('latin1')])
  const add = (encoding: Encoding, bytes: Buffer) => {
    const key = bytes.toString('latin1')
    if (bytes.length < MIN_ENCODED_LENGTH || seen.has(key)) return
    seen.add(key)
    forms.push({encoding, bytes})
  }
  for (const offset of [0, 1, 2] as const) {
    const inner = base64Inner(plain, offset)
    add('base64', Buffer.from(inner, 'latin1'))
    add('base64url', Buffer.from(inner.replace(/\+/g, '-').replace(/\//g, '_'), 'latin1'))
  }
  for (const form of percentForms(value)) add('percent', Buffer.from(form, 'latin1'))
  const hex = plain.toString('hex')
  add('hex', Buffer.from(hex, 'latin1'))
  add('hex', Buffer.from(hex.toUpperCase(), 'latin1'))
  const utf16le = Buffer.from(value, 'utf16le')
  add('utf16le', utf16le)
  add('utf16be', Buffer.from(utf16le).swap16())
  return forms
}
