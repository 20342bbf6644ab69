import {alphabetCharacters, customAlphabetProblems} from './alphabets.js'
import {ALPHABET_NAMES, CHECKSUMS, type GeneratorPolicy} from './types.js'

/** No policy may ask for less, whatever its `minEntropyBits` says. */
export const ENTROPY_FLOOR_BITS = 128
export const MAX_LENGTH = 4096
export const MAX_PREFIX_LENGTH = 32
const PREFIX_PATTERN = /^[A-Za-z0-9_-]*$/

/** Bits of entropy in `length` independent uniform draws from `alphabetSize` characters. */
export function entropyBits(length: number, alphabetSize: number): number {
  return alphabetSize < 2 ? 0 : length * Math.log2(alphabetSize)
}

/** Entropy of the random part only: the prefix and checksum are predictable. */
export function policyEntropyBits(policy: GeneratorPolicy): number {
  return entropyBits(policy.length, alphabetSize(policy))
}

/** The shortest random part that reaches `bits` with this alphabet. */
export function minimumLength(bits: number, alphabetSize: number): number {
  let length = Math.ceil(bits / Math.log2(alphabetSize))
  // Guard against log2 rounding either way at exact multiples (hex: 128 / 4 = 32).
  while (length > 1 && entropyBits(length - 1, alphabetSize) >= bits) length--
  while (entropyBits(length, alphabetSize) < bits) length++
  return length
}

/** Human-readable problems with a policy; empty when it can be used to generate keys. */
export function validatePolicy(policy: GeneratorPolicy): string[] {
  const problems: string[] = []
  const {length, prefix, minEntropyBits} = policy

  if (!Number.isInteger(length) || length < 1 || length > MAX_LENGTH) {
    problems.push(`length must be an integer from 1 to ${MAX_LENGTH}, got ${length}`)
  }
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    problems.push('prefix may only contain A-Z, a-z, 0-9, "_" and "-"')
  } else if (prefix.length > MAX_PREFIX_LENGTH) {
    problems.push(`prefix is ${prefix.length} characters long; the maximum is ${MAX_PREFIX_LENGTH}`)
  }
  if (!(CHECKSUMS as readonly string[]).includes(policy.checksum)) {
    problems.push(`checksum must be one of ${CHECKSUMS.join(', ')}, got ${JSON.stringify(policy.checksum)}`)
  }
  const minimumOk = Number.isFinite(minEntropyBits) && minEntropyBits >= ENTROPY_FLOOR_BITS
  if (!minimumOk) {
    problems.push(`minEntropyBits is ${minEntropyBits}; it may not be below ${ENTROPY_FLOOR_BITS}`)
  }

  let alphabetOk = true
  if (!(ALPHABET_NAMES as readonly string[]).includes(policy.alphabet)) {
    problems.push(`alphabet must be one of ${ALPHABET_NAMES.join(', ')}, got ${JSON.stringify(policy.alphabet)}`)
    alphabetOk = false
  } else if (policy.alphabet === 'custom') {
    const custom = customAlphabetProblems(policy.characters)
    problems.push(...custom)
    alphabetOk = custom.length === 0
  } else if (policy.characters !== undefined) {
    problems.push(`characters is only used with alphabet "custom", not "${policy.alphabet}"`)
  }

  if (alphabetOk && Number.isInteger(length) && length >= 1) {
    const required = Math.max(ENTROPY_FLOOR_BITS, minimumOk ? minEntropyBits : 0)
    const size = alphabetSize(policy)
    const bits = entropyBits(length, size)
    if (bits < required) {
      const needed = minimumLength(required, size)
      const lengthHint = needed <= MAX_LENGTH ? `use length >= ${needed} or a larger alphabet` : 'use a larger alphabet'
      problems.push(
        `entropy ${formatBelow(bits, required)} bits is below the minimum of ${required} bits; ${lengthHint}`,
      )
    }
  }
  return problems
}

/** One decimal, but never rounded up to a value that would look like it meets `required`. */
function formatBelow(bits: number, required: number): string {
  const rounded = bits.toFixed(1)
  return Number(rounded) < required ? rounded : (Math.floor(bits * 10) / 10).toFixed(1)
}

function alphabetSize(policy: GeneratorPolicy): number {
  if (!(ALPHABET_NAMES as readonly string[]).includes(policy.alphabet)) return 0
  return new Set(alphabetCharacters(policy)).size
}
