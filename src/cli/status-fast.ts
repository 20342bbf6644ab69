/**
 * `rotor status --json` without oclif: what monitoring and scripts call every minute, answered
 * without loading oclif's module graph and config (plugins, theme, hooks), about a third of its
 * start-up. bin/run.js calls this first; it takes only a command line whose meaning is plain,
 * and for anything else returns false and oclif runs the command as before:
 * - flags: --json, --quiet/-q, --config/-c, --select/-s (repeatable), --shard, --format, --upcoming,
 *   in the plain forms src/cli/fast-argv.ts takes, each at most once (--select: any number);
 * - no arguments, no `--`, no help or version flag, no unknown flag, no value that is empty, starts
 *   with `-` or is not one of --format's options (oclif's parse errors stay oclif's);
 * - nothing that changes what oclif would print: DEBUG or ROTOR_DEBUG (oclif's debug lines), a
 *   user colour theme (theme.json) or user plugins (package.json in rotor's data folder), Windows.
 * The work (src/cli/status-run.ts), the config, warnings, the JSON document and the error funnel
 * (src/cli/command-core.ts, through src/cli/fast-run.ts) are the ones the command uses, so the
 * output, errors and exit codes are the same; test/e2e/status-fast.test.ts runs both paths and
 * compares them.
 */
import {parseFastArgv} from './fast-argv.js'
import {oclifWouldDiffer, runFast} from './fast-run.js'
import {runStatus, type StatusFlags} from './status-run.js'

export {oclifWouldDiffer} from './fast-run.js'

export interface FastStatusFlags extends StatusFlags {
  json: true
  quiet: boolean
  config?: string
}

const SPEC = {
  booleans: {'--json': 'json', '--quiet': 'quiet', '-q': 'quiet'},
  strings: {'--config': 'config', '-c': 'config', '--select': 'select', '-s': 'select', '--shard': 'shard', '--format': 'format', '--upcoming': 'upcoming'},
  repeatable: ['select'],
  options: {format: ['table', 'prometheus']},
}
/** Every flag of `status`, for the error funnel's "did you mean" (as the command passes them). */
const FLAG_NAMES = ['select', 'shard', 'format', 'upcoming', 'config', 'quiet']

/** The flags of `status ARGV` (argv after `status`), or undefined when oclif should parse them. */
export function parseFastStatusArgv(argv: string[]): FastStatusFlags | undefined {
  const parsed = parseFastArgv(argv, SPEC)
  if (!parsed?.flags.json) return undefined
  return {quiet: false, format: 'table', ...parsed.flags} as FastStatusFlags
}

/**
 * Runs `status` with ARGV (after `status`) when it can; false when oclif must. Sets
 * process.exitCode as the command does; the caller lets the process end.
 */
export async function runStatusFast(argv: string[]): Promise<boolean> {
  const flags = parseFastStatusArgv(argv)
  if (!flags || oclifWouldDiffer()) return false
  await runFast({id: 'status', flagNames: FLAG_NAMES, json: true, quiet: flags.quiet, revealing: false}, ({core}) =>
    runStatus(
      {
        json: true,
        // runFast prints the document with writeJson: the rows are written as they are made.
        streamsJson: true,
        loadConfig: () => core.loadConfig(flags.config),
        stores: (config) => core.stores(config),
        log: () => undefined,
        note: (text) => core.note(text),
        setExitCode: (code) => {
          process.exitCode = code
        },
      },
      flags,
    ),
  )
  return true
}
