/**
 * `rotor status --json` without oclif: what monitoring and scripts call every minute, answered
 * without loading oclif's module graph and config (plugins, theme, hooks), about a third of its
 * start-up. bin/run.js calls this first; it takes only a command line whose meaning is plain,
 * and for anything else returns false and oclif runs the command as before:
 * - flags: --json, --quiet/-q, --config/-c, --select/-s (repeatable), --shard, --format, --upcoming,
 *   as `--name value`, `--name=value` or `-x value`, each at most once (--select: any number);
 * - no arguments, no `--`, no help or version flag, no unknown flag, no value that is empty, starts
 *   with `-` or is not one of --format's options (oclif's parse errors stay oclif's);
 * - nothing that changes what oclif would print: DEBUG or ROTOR_DEBUG (oclif's debug lines), a
 *   user colour theme (theme.json) or user plugins (package.json in rotor's data folder), Windows.
 * The work (src/cli/status-run.ts), the config, warnings, the JSON document and the error funnel
 * (src/cli/command-core.ts) are the ones the command uses, so the output, errors and exit codes are
 * the same; test/e2e/status-fast.test.ts runs both paths and compares them.
 */
import {existsSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join} from 'node:path'
import {UsageError} from '../errors/index.js'
import {CommandCore} from './command-core.js'
import {neutraliseDebugSwitches} from './debug-switches.js'
import {runStatus, type StatusFlags} from './status-run.js'

export interface FastStatusFlags extends StatusFlags {
  json: true
  quiet: boolean
  config?: string
}

const STRING_FLAGS: Record<string, string> = {'--config': 'config', '-c': 'config', '--select': 'select', '-s': 'select', '--shard': 'shard', '--format': 'format', '--upcoming': 'upcoming'}
const FORMATS = ['table', 'prometheus']
/** Every flag of `status`, for the error funnel's "did you mean" (as the command passes them). */
const FLAG_NAMES = ['select', 'shard', 'format', 'upcoming', 'config', 'quiet']

/** The flags of `status ARGV` (argv after `status`), or undefined when oclif should parse them. */
export function parseFastStatusArgv(argv: string[]): FastStatusFlags | undefined {
  const flags: Partial<FastStatusFlags> & {select?: string[]} = {quiet: false, format: 'table'}
  const seen = new Set<string>()
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    if (token === '--json' || token === '--quiet' || token === '-q') {
      const name = token === '--json' ? 'json' : 'quiet'
      if (seen.has(name)) return undefined
      seen.add(name)
      if (name === 'json') flags.json = true
      else flags.quiet = true
      continue
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1
    const name = STRING_FLAGS[eq === -1 ? token : token.slice(0, eq)]
    if (name === undefined) return undefined
    const value = eq === -1 ? argv[++i] : token.slice(eq + 1)
    if (value === undefined || value === '' || value.startsWith('-')) return undefined
    if (name === 'select') {
      ;(flags.select ??= []).push(value)
      continue
    }
    if (seen.has(name) || (name === 'format' && !FORMATS.includes(value))) return undefined
    seen.add(name)
    ;(flags as Record<string, unknown>)[name] = value
  }
  return flags.json ? (flags as FastStatusFlags) : undefined
}

/** Whether oclif's config would change the output here (see the module comment). */
export function oclifWouldDiffer(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32' || env.DEBUG !== undefined || env.ROTOR_DEBUG !== undefined) return true
  // oclif's Config: home, then XDG folders or ~/.config and ~/.local/share, then `rotor`.
  const home = env.HOME || homedir() || tmpdir()
  const configDir = env.ROTOR_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(home, '.config'), 'rotor')
  const dataDir = env.ROTOR_DATA_DIR || join(env.XDG_DATA_HOME || join(home, '.local/share'), 'rotor')
  return existsSync(join(configDir, 'theme.json')) || existsSync(join(dataDir, 'package.json'))
}

/**
 * Runs `status` with ARGV (after `status`) when it can; false when oclif must. Sets
 * process.exitCode as the command does; the caller lets the process end.
 */
export async function runStatusFast(argv: string[]): Promise<boolean> {
  const flags = parseFastStatusArgv(argv)
  if (!flags || oclifWouldDiffer()) return false
  // oclif's Command swallows EPIPE on stdout (`rotor status --json | head`).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error?.code === 'EPIPE') return
    throw error
  })
  const quiet = () => flags.quiet
  const core = new CommandCore({
    json: () => true,
    quiet,
    revealing: () => false,
    // Under --json, warnings and notes never take the text path.
    textWarn: () => undefined,
    textNote: () => undefined,
    themedJson: () => false,
  })
  let result: unknown
  try {
    // As BaseCommand.init: before any store (and so any SDK) loads.
    const switches = neutraliseDebugSwitches(process.env)
    for (const warning of switches.warnings) core.warn(warning)
    if (switches.refused) throw new UsageError(switches.refused, {hint: 'unset it for rotor: env -u NODE_DEBUG rotor ...'})
    result = await runStatus(
      {
        json: true,
        loadConfig: () => core.loadConfig(flags.config),
        stores: (config) => core.stores(config),
        log: () => undefined,
        note: (text) => core.note(text),
        setExitCode: (code) => {
          process.exitCode = code
        },
      },
      flags,
    )
  } catch (error) {
    await core.fail(error as Error, 'status', FLAG_NAMES)
  } finally {
    await core.close()
  }
  if (result) core.logJson(core.successJson(result))
  return true
}
