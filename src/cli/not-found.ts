/**
 * Unknown commands (`rotor aply`, `rotor help nosuch`, `rotor audit nosuch --json`) exit 64 with a
 * "did you mean". This replaces @oclif/plugin-not-found, which asks interactively (3.x) or needs
 * Node 22 (4.x); see docs/decisions.md.
 */
import {Errors, type Config} from '@oclif/core'
import {closest} from '../config/suggest.js'
import {UsageError} from '../errors/index.js'
import {errorJson, errorText} from '../errors/format.js'
import {ExitCode} from '../exit-codes.js'
import {errorDocument} from './json.js'

const spaced = (id: string) => id.replaceAll(':', ' ')

export function unknownCommandError(config: Pick<Config, 'commandIDs' | 'topics'>, id: string): UsageError {
  const known = [...config.commandIDs, ...config.topics.map((t) => t.name)].filter((c) => !c.startsWith('plugins')).map(spaced)
  const word = spaced(id)
  // `rotor audit verfy`: compare whole ids, then the last word against its siblings.
  const match = closest(word, known) ?? closest(word.split(' ').at(-1) ?? word, known.filter((k) => k.split(' ').length === word.split(' ').length && k.startsWith(word.split(' ').slice(0, -1).join(' '))))
  return new UsageError(`unknown command "${word}"${match ? `; did you mean "${match}"?` : ''}`, {
    hint: `run "rotor --help" for the list of commands`,
  })
}

/** Prints the error as text on stderr, or as one JSON document under --json, and exits 64. */
export function failUnknownCommand(config: Pick<Config, 'commandIDs' | 'topics'>, id: string, argv: readonly string[]): never {
  const error = unknownCommandError(config, id)
  if (argv.includes('--json')) process.stdout.write(`${JSON.stringify(errorDocument(errorJson(error), []), null, 2)}\n`)
  else process.stderr.write(errorText(error))
  throw new Errors.ExitError(ExitCode.USAGE)
}
