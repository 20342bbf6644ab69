/**
 * `rotor get NAME` without oclif: what scripts and CI steps call to read one value
 * (`rotor get NAME --reveal`), answered without loading oclif's module graph and config. bin/run.js
 * calls this first; it takes only a command line whose meaning is plain, and for anything else
 * returns false and oclif runs the command as before:
 * - one argument, NAME; flags --reveal, --json, --quiet/-q, --config/-c, --target, --field,
 *   --template, --role (current, previous or pending), in the plain forms src/cli/fast-argv.ts
 *   takes, each at most once; --field or --template only with --reveal, not both;
 * - not --version (oclif reads it as a version request too), no `--`, no help flag, no unknown
 *   flag, no second argument, no value that is empty or starts with `-`;
 * - nothing that changes what oclif would print (src/cli/fast-run.ts: oclifWouldDiffer).
 * The work (src/cli/get-run.ts, where a value is printed only with --reveal), the config, warnings,
 * the JSON document and the error funnel are the ones the command uses, so the output, errors and
 * exit codes are the same; test/e2e/get-fast.test.ts runs both paths and compares them.
 */
import {parseFastArgv} from './fast-argv.js'
import {oclifWouldDiffer, runFast} from './fast-run.js'
import {runGet, type GetFlags} from './get-run.js'

export interface FastGetArgv {
  name: string
  flags: GetFlags & {json: boolean; quiet: boolean; config?: string}
}

const SPEC = {
  booleans: {'--reveal': 'reveal', '--json': 'json', '--quiet': 'quiet', '-q': 'quiet', '--template': 'template'},
  strings: {'--config': 'config', '-c': 'config', '--target': 'target', '--field': 'field', '--role': 'role'},
  options: {role: ['current', 'previous', 'pending']},
  args: 1,
}
/** Every flag of `get`, for the error funnel's "did you mean" (as the command passes them). */
const FLAG_NAMES = ['reveal', 'role', 'version', 'target', 'field', 'template', 'config', 'quiet']

/** NAME and the flags of `get ARGV` (argv after `get`), or undefined when oclif should parse them. */
export function parseFastGetArgv(argv: string[]): FastGetArgv | undefined {
  const parsed = parseFastArgv(argv, SPEC)
  if (!parsed || parsed.args.length !== 1) return undefined
  const {flags} = parsed
  // oclif's dependsOn and exclusive: its errors stay its own.
  if ((flags.field !== undefined || flags.template) && !flags.reveal) return undefined
  if (flags.field !== undefined && flags.template) return undefined
  return {name: parsed.args[0], flags: {reveal: false, json: false, quiet: false, role: 'current', ...flags} as FastGetArgv['flags']}
}

/**
 * Runs `get` with ARGV (after `get`) when it can; false when oclif must. Sets process.exitCode as
 * the command does; the caller lets the process end.
 */
export async function runGetFast(argv: string[]): Promise<boolean> {
  const parsed = parseFastGetArgv(argv)
  if (!parsed || oclifWouldDiffer()) return false
  const {name, flags} = parsed
  await runFast({id: 'get', flagNames: FLAG_NAMES, json: flags.json, quiet: flags.quiet, revealing: flags.reveal}, ({core, log}) =>
    runGet({json: flags.json, loadConfig: () => core.loadConfig(flags.config), stores: (config) => core.stores(config), log}, name, flags),
  )
  return true
}
