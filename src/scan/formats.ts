/**
 * Finds keys in rotor's own format (prefix + random part + CRC-32 checksum) without knowing their
 * values. Only policies with `checksum: crc32` take part: without a checksum, "40 base62
 * characters" also matches hashes, ids and other random text, so a format alone proves nothing.
 * A candidate is confirmed with looksLikeRotorKey, so look-alikes with a bad checksum are ignored.
 */
import {alphabetCharacters, BASE62} from '../keys/alphabets.js'
import {CHECKSUM_LENGTH} from '../keys/checksum.js'
import {looksLikeRotorKey} from '../keys/format.js'
import type {GeneratorPolicy} from '../keys/types.js'

export interface FormatMatch<T> {
  start: number
  end: number
  /** The tags of every policy whose format the text has (e.g. the secrets that use it). */
  tags: T[]
}

interface CompiledFormat<T> {
  policy: GeneratorPolicy
  regex: RegExp
  tags: T[]
}

const escapeClass = (chars: string) => [...new Set(chars)].map((c) => (/[\\\]^[-]/.test(c) ? `\\${c}` : c)).join('')
const escapeLiteral = (text: string) => text.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&')

/** Whether a policy's keys can be recognised by format (they carry a checksum). */
export const recognisable = (policy: GeneratorPolicy) => policy.checksum === 'crc32'

export class FormatMatcher<T> {
  private readonly formats: Array<CompiledFormat<T>> = []

  constructor(entries: Iterable<{policy: GeneratorPolicy; tag: T}>) {
    const byShape = new Map<string, CompiledFormat<T>>()
    for (const {policy, tag} of entries) {
      if (!recognisable(policy)) continue
      const alphabet = alphabetCharacters(policy)
      if (alphabet.length === 0) continue
      const shape = JSON.stringify([policy.prefix, policy.length, alphabet])
      const known = byShape.get(shape)
      if (known) {
        if (!known.tags.includes(tag)) known.tags.push(tag)
        continue
      }
      const body = escapeClass(alphabet + BASE62)
      // With a prefix the prefix anchors the match; without one, the key must not be glued to
      // more characters of its alphabet (it would be part of a longer token).
      // The prefix comes first in the pattern (the boundary is checked behind it) so that the
      // regex engine can skip ahead to the literal instead of trying every position.
      const prefix = escapeLiteral(policy.prefix)
      const before = policy.prefix ? `${prefix}(?<![A-Za-z0-9]${prefix})` : `(?<![${body}])`
      const source = `${before}[${escapeClass(alphabet)}]{${policy.length}}[${escapeClass(BASE62)}]{${CHECKSUM_LENGTH}}(?![${body}])`
      const compiled = {policy, regex: new RegExp(source, 'g'), tags: [tag]}
      byShape.set(shape, compiled)
      this.formats.push(compiled)
    }
  }

  get empty(): boolean {
    return this.formats.length === 0
  }

  /** `find` on bytes (formats are ASCII, so offsets are byte offsets); skips them when no format's prefix occurs. */
  findInBytes(bytes: Buffer): Array<FormatMatch<T>> {
    if (this.formats.every((f) => f.policy.prefix && !bytes.includes(f.policy.prefix))) return []
    return this.find(bytes.toString('latin1'))
  }

  find(text: string): Array<FormatMatch<T>> {
    const found: Array<FormatMatch<T>> = []
    for (const format of this.formats) {
      if (format.policy.prefix && !text.includes(format.policy.prefix)) continue
      for (const match of text.matchAll(format.regex)) {
        if (!looksLikeRotorKey(match[0], format.policy)) continue
        const start = match.index
        const end = start + match[0].length
        const same = found.find((f) => f.start === start && f.end === end)
        if (same) same.tags.push(...format.tags.filter((t) => !same.tags.includes(t)))
        else found.push({start, end, tags: [...format.tags]})
      }
    }
    return found.sort((a, b) => a.start - b.start)
  }
}
