/**
 * Key format: `<prefix><random part><checksum>`.
 *
 * - prefix: the policy's literal `prefix` (`[A-Za-z0-9_-]`, at most 32 characters, may be
 *   empty), so a leaked key says where it belongs.
 * - random part: exactly `length` characters drawn uniformly from the policy's alphabet. Only
 *   this part counts towards entropy.
 * - checksum: with `checksum: crc32`, six base62 characters (`0-9A-Za-z`, most significant
 *   digit first, zero-padded) encoding the CRC-32 of prefix plus random part. With
 *   `checksum: none`, nothing.
 *
 * Example: `rk_live_` + 40 base62 characters + 6 checksum characters is 54 characters long.
 * The checksum lets a leak scanner tell a rotor key from look-alike text without a store lookup.
 */
import {alphabetCharacters} from './alphabets.js'
import {CHECKSUM_LENGTH, verifyChecksum} from './checksum.js'
import {policyEntropyBits} from './entropy.js'
import type {AlphabetName, ChecksumKind, GeneratorPolicy} from './types.js'

/** Total characters in a key made under `policy`. */
export function keyLength(policy: GeneratorPolicy): number {
  return policy.prefix.length + policy.length + (policy.checksum === 'crc32' ? CHECKSUM_LENGTH : 0)
}

/**
 * True when `text` has the shape of a key made under `policy`: the prefix, then `length`
 * characters of the alphabet, then (for crc32) a valid checksum. Used by leak scanning.
 */
export function looksLikeRotorKey(text: string, policy: GeneratorPolicy): boolean {
  if (text.length !== keyLength(policy) || !text.startsWith(policy.prefix)) return false
  const allowed = new Set(alphabetCharacters(policy))
  const random = text.slice(policy.prefix.length, policy.prefix.length + policy.length)
  for (const c of random) if (!allowed.has(c)) return false
  return policy.checksum === 'crc32' ? verifyChecksum(text) : true
}

export interface PolicyDescription {
  alphabet: AlphabetName
  alphabetSize: number
  length: number
  prefix: string
  checksum: ChecksumKind
  /** Entropy of the random part, to 0.1 bit (validation uses the exact value). */
  entropyBits: number
  /** Prefix, random part and checksum all counted. */
  totalLength: number
  /** E.g. `rk_live_ + 40×base62 + 6×base62 crc32`. */
  format: string
}

/** What `rotor generate` shows about a policy; never includes a generated value. */
export function describePolicy(policy: GeneratorPolicy): PolicyDescription {
  const alphabetSize = new Set(alphabetCharacters(policy)).size
  const parts = [
    ...(policy.prefix ? [policy.prefix] : []),
    `${policy.length}×${policy.alphabet === 'custom' ? `custom(${alphabetSize})` : policy.alphabet}`,
    ...(policy.checksum === 'crc32' ? [`${CHECKSUM_LENGTH}×base62 crc32`] : []),
  ]
  return {
    alphabet: policy.alphabet,
    alphabetSize,
    length: policy.length,
    prefix: policy.prefix,
    checksum: policy.checksum,
    entropyBits: Math.round(policyEntropyBits(policy) * 10) / 10,
    totalLength: keyLength(policy),
    format: parts.join(' + '),
  }
}
