export const ALPHABET_NAMES = ['base62', 'base64url', 'hex', 'alnum-symbols', 'custom'] as const
export type AlphabetName = (typeof ALPHABET_NAMES)[number]

export const CHECKSUMS = ['none', 'crc32'] as const
export type ChecksumKind = (typeof CHECKSUMS)[number]

/** How new values of one secret are made. Entropy counts only the random part. */
export interface GeneratorPolicy {
  /** Random characters, excluding prefix and checksum. */
  length: number
  alphabet: AlphabetName
  /** The characters when `alphabet` is `custom` (distinct characters). */
  characters?: string
  /** Literal prefix such as `rk_live_`, so a leaked key is recognisable. */
  prefix: string
  checksum: ChecksumKind
  /** Refuse policies below this many bits of entropy (never below 128). */
  minEntropyBits: number
}

export const DEFAULT_POLICY: GeneratorPolicy = {
  length: 40,
  alphabet: 'base62',
  prefix: '',
  checksum: 'none',
  minEntropyBits: 128,
}
