import {ExitCode} from '../exit-codes.js'
import {RotorError} from '../errors/index.js'
import {alphabetCharacters} from './alphabets.js'
import {appendChecksum} from './checksum.js'
import {policyEntropyBits, validatePolicy} from './entropy.js'
import {randomString} from './random.js'
import type {GeneratorPolicy} from './types.js'

export interface GenerateOptions {
  /** Return true to reject a candidate, e.g. one equal to an existing version; it is redrawn. */
  avoid?: (candidate: string) => boolean
  /** Candidates to draw before giving up; default 10. */
  maxAttempts?: number
}

export interface GeneratedKey {
  value: string
  /** Entropy of the random part. */
  entropyBits: number
}

export const DEFAULT_MAX_ATTEMPTS = 10

/** A new key under `policy`; throws when the policy is invalid or `avoid` rejects every try. */
export function generateKey(policy: GeneratorPolicy, opts: GenerateOptions = {}): GeneratedKey {
  const problems = validatePolicy(policy)
  if (problems.length > 0) {
    throw new RotorError(`invalid generator policy: ${problems.join('; ')}`, {
      exitCode: ExitCode.CONFIG_INVALID,
      hint: 'fix the generator settings of this secret in rotor.yaml',
    })
  }
  const maxAttempts = opts.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be a positive integer, got ${maxAttempts}`)
  }
  const characters = alphabetCharacters(policy)
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const body = policy.prefix + randomString(policy.length, characters)
    const value = policy.checksum === 'crc32' ? appendChecksum(body) : body
    if (!opts.avoid?.(value)) return {value, entropyBits: policyEntropyBits(policy)}
  }
  // Reaching this with a sound policy means `avoid` rejects everything, not bad luck.
  throw new RotorError(`no acceptable key after ${maxAttempts} attempts: every candidate was rejected`, {
    hint: 'check the avoid callback; with at least 128 bits of entropy a repeat is practically impossible',
  })
}
