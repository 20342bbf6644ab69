/**
 * What the oclif-free fast paths (src/cli/status-fast.ts, src/cli/get-fast.ts) do around a
 * command's work, as BaseCommand and oclif's Command do it: the debug switches, a CommandCore
 * (config, stores, warnings, the error funnel), stdout's EPIPE, the --json document.
 */
import {existsSync} from 'node:fs'
import {homedir, tmpdir} from 'node:os'
import {join} from 'node:path'
import {UsageError} from '../errors/index.js'
import {redact} from '../redact/index.js'
import {CommandCore} from './command-core.js'
import {neutraliseDebugSwitches} from './debug-switches.js'

/** Whether oclif's config would change the output here (DEBUG, a user theme or plugins, Windows). */
export function oclifWouldDiffer(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): boolean {
  if (platform === 'win32' || env.DEBUG !== undefined || env.ROTOR_DEBUG !== undefined) return true
  // oclif's Config: home, then XDG folders or ~/.config and ~/.local/share, then `rotor`.
  const home = env.HOME || homedir() || tmpdir()
  const configDir = env.ROTOR_CONFIG_DIR || join(env.XDG_CONFIG_HOME || join(home, '.config'), 'rotor')
  const dataDir = env.ROTOR_DATA_DIR || join(env.XDG_DATA_HOME || join(home, '.local/share'), 'rotor')
  return existsSync(join(configDir, 'theme.json')) || existsSync(join(dataDir, 'package.json'))
}

export interface FastCommand {
  /** oclif's id, for the error funnel. */
  id: string
  /** Every flag the command takes, for the error funnel's "did you mean" (as the command passes them). */
  flagNames: string[]
  json: boolean
  /** --quiet as given (BaseCommand: quiet unless revealing). */
  quiet: boolean
  revealing: boolean
}

/** What the work gets: the core, and stdout as BaseCommand's `log`. */
export interface FastHost {
  core: CommandCore
  log(text: string): void
}

/**
 * Runs WORK as the oclif command would: sets process.exitCode, prints the --json document, or
 * errors through the funnel. Text-mode warnings go through oclif's own formatter, loaded only when
 * there is one (the stderr lines after the first warning wait for it, to keep their order).
 */
export async function runFast<Result>(command: FastCommand, work: (host: FastHost) => Promise<Result>): Promise<void> {
  // oclif's Command swallows EPIPE on stdout (`rotor status --json | head`).
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error?.code === 'EPIPE') return
    throw error
  })
  const quiet = command.quiet && !command.revealing
  const waiting: Array<string | Error | {note: string}> = []
  const core = new CommandCore({
    json: () => command.json,
    quiet: () => quiet,
    revealing: () => command.revealing,
    textWarn: (input) => void waiting.push(input),
    textNote: (text) => (waiting.length > 0 ? void waiting.push({note: text}) : void process.stderr.write(`${text}\n`)),
    themedJson: () => undefined,
  })
  const flushWarnings = async () => {
    if (waiting.length === 0) return
    // dist/cli/oclif.js, from this module's entry or from the shared chunk it may be bundled into.
    const oclif = new URL(import.meta.url.includes('/chunks/') ? '../oclif.js' : './oclif.js', import.meta.url)
    const {Errors} = (await import(oclif.href)) as {Errors: {warn(input: string | Error): void}}
    for (const item of waiting.splice(0)) {
      if (typeof item === 'object' && 'note' in item) process.stderr.write(`${item.note}\n`)
      else Errors.warn(item)
    }
  }
  const host: FastHost = {
    core,
    log: (text) => {
      if (quiet) return
      process.stdout.write(`${command.revealing ? text : redact(text)}\n`)
    },
  }
  let result: Result | undefined
  try {
    // As BaseCommand.init: before any store (and so any SDK) loads.
    const switches = neutraliseDebugSwitches(process.env)
    for (const warning of switches.warnings) core.warn(warning)
    if (switches.refused) throw new UsageError(switches.refused, {hint: 'unset it for rotor: env -u NODE_DEBUG rotor ...'})
    result = await work(host)
    await flushWarnings()
  } catch (error) {
    await flushWarnings()
    await core.fail(error as Error, command.id, command.flagNames)
  } finally {
    await core.close()
  }
  if (result && command.json) await core.logJson(core.successJson(result))
}
