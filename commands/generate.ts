import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {UsageError} from '../src/errors/index.js'
import {ALPHABET_NAMES, CHECKSUMS, DEFAULT_POLICY, type GeneratorPolicy} from '../src/keys/types.js'
import {describePolicy, generateKey, validatePolicy} from '../src/keys/index.js'

/** `rotor generate --json`. */
export interface GenerateResult {
  /** The new key. */
  key: string
  entropyBits: number
  format: string
  length: number
}

export default class Generate extends BaseCommand<typeof Generate, GenerateResult> {
  static override summary = 'Print one new key from the CSPRNG, and its entropy.'
  static override description = `The same generator rotor uses for rotations: rejection sampling over Node's CSPRNG (no modulo bias). The key is <prefix><random part><checksum>; the checksum (CRC-32 in 6 base62 characters) lets scanners recognise a leaked key. The key goes to stdout, its entropy to stderr. Nothing is stored.`

  static override examples = [
    '<%= config.bin %> generate',
    '<%= config.bin %> generate --length 48 --alphabet base64url --prefix rk_live_ --checksum crc32',
    '<%= config.bin %> generate --alphabet custom --characters ABCDEFGHJKLMNPQRSTUVWXYZ23456789 --length 32 --json',
  ]

  static override flags = {
    length: Flags.integer({summary: 'Random characters (excluding prefix and checksum).', default: DEFAULT_POLICY.length, min: 1, max: 4096}),
    alphabet: Flags.string({summary: 'Character set.', options: [...ALPHABET_NAMES], default: DEFAULT_POLICY.alphabet}),
    characters: Flags.string({summary: 'The characters of a custom alphabet.'}),
    prefix: Flags.string({summary: 'Literal prefix, e.g. rk_live_.', default: ''}),
    checksum: Flags.string({summary: 'Checksum suffix.', options: [...CHECKSUMS], default: DEFAULT_POLICY.checksum}),
  }

  async run(): Promise<GenerateResult> {
    const policy: GeneratorPolicy = {
      ...DEFAULT_POLICY,
      length: this.flags.length,
      alphabet: this.flags.alphabet as GeneratorPolicy['alphabet'],
      ...(this.flags.characters ? {characters: this.flags.characters} : {}),
      prefix: this.flags.prefix,
      checksum: this.flags.checksum as GeneratorPolicy['checksum'],
    }
    const problems = validatePolicy(policy)
    if (problems.length > 0) throw new UsageError(problems.join('; '))
    const {value, entropyBits} = generateKey(policy)
    const description = describePolicy(policy)
    if (!this.jsonEnabled()) {
      this.log(value)
      this.note(`${description.format}: ${entropyBits.toFixed(1)} bits of entropy`)
    }
    return {key: value, entropyBits: Number(entropyBits.toFixed(1)), format: description.format, length: value.length}
  }
}
