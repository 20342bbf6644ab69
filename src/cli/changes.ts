/**
 * What every command that changes stores shares: the refusal to run unattended without --yes,
 * progress bars while it reads and while it works, the confirmation at a terminal, the interrupt
 * (SIGINT/SIGTERM) and the report afterwards. The command supplies only the question and the run
 * itself (apply, sync, copy, rotate, rollback, restore).
 */
import type {RunReport} from '../engine/execute.js'
import {CancelledError, UsageError} from '../errors/index.js'
import {ExitCode} from '../exit-codes.js'
import type {Interrupt} from './interrupt.js'
import {renderPlan, renderReport} from '../output/plan.js'
import {type ReadCoverage, unreadExitCode} from '../output/unread.js'
import type {Plan} from '../plan/types.js'
import {ProgressBar} from './progress.js'
import {canPrompt, confirm} from './prompt.js'

export interface ChangeRun {
  plan: Plan
  report?: RunReport
  cancelled?: boolean
}

/** Hooks the run functions in src/run take (applyChanges, syncChanges). */
export interface ChangeHooks {
  onRead: (targets: number) => void
  onPlanned: (plan: Plan) => void
  onProgress: () => void
  confirm?: (plan: Plan) => Promise<boolean>
  warn: (message: string) => void
}

export interface ChangeOutput {
  json: boolean
  /** --quiet: no progress bars (a question at a terminal is still asked). */
  quiet?: boolean
  /** --yes was given: never ask. */
  yes: boolean
  log: (text: string) => void
  warn: (message: string) => void
  /** A line on stderr (and in `warnings` under --json). */
  note: (message: string) => void
  interrupt: Interrupt
  /** The command, for the refusal without --yes (`rotor apply`). */
  command?: string
}

export interface ChangeOptions {
  /** Asked at a terminal before anything changes. */
  question: string
  /** Targets the run will read, for the first bar; omit for no reading bar. */
  reading?: number
  /** Label of the second bar. */
  working?: string
}

/**
 * Without a terminal to ask at, or under --json (a pipeline must say what it wants), a run that
 * changes stores needs --yes, as terraform needs -auto-approve. --dry-run never gets here.
 */
export function requireConsent(out: Pick<ChangeOutput, 'json' | 'yes'>, command = 'this command', {dryRun = true}: {dryRun?: boolean} = {}): void {
  if (out.yes) return
  // A command without --dry-run (`rotor store rotate-key`) is not offered one.
  const look = dryRun ? ', or --dry-run to only look' : ''
  if (out.json) throw new UsageError(`${command} changes stores; under --json it needs --yes`, {hint: `pass --yes to apply without asking${look}`})
  if (!canPrompt()) {
    throw new UsageError(`${command} changes stores and there is no terminal to confirm at`, {hint: `pass --yes to apply without asking (as in cron or a pipeline)${look}`})
  }
}

export async function runChanges<R extends ChangeRun>(out: ChangeOutput, options: ChangeOptions, start: (hooks: ChangeHooks) => Promise<R>): Promise<R> {
  requireConsent(out, out.command)
  // The bars draw only at a terminal, never under --json or --quiet.
  const reading = new ProgressBar('reading', {json: out.json, quiet: out.quiet})
  const working = new ProgressBar(options.working ?? 'applying', {json: out.json, quiet: out.quiet})
  if (options.reading !== undefined) reading.start(options.reading)
  const interactive = !out.yes && !out.json && canPrompt()
  out.interrupt.install((signal) => {
    reading.stop()
    working.stop()
    out.note(`${signal}: stopping after the store call in flight (press Ctrl-C again to quit at once)`)
  })
  let result: R
  try {
    result = await start({
    onRead: (n) => reading.tick(n),
    onPlanned: (plan) => {
      reading.stop()
      working.start(plan.actions.length)
    },
    onProgress: () => working.tick(),
    confirm: interactive
      ? async (plan) => {
          working.stop()
          out.log(renderPlan(plan))
          return confirm(options.question, out.interrupt.signal)
        }
      : undefined,
    warn: out.warn,
    })
  } finally {
    out.interrupt.uninstall()
    reading.stop()
    working.stop()
  }
  if (result.cancelled) throw new CancelledError()
  // The signal came while the last call was in flight: the run is still not finished.
  out.interrupt.check()
  if (!out.json) {
    if (result.report) out.log(renderReport(result.report))
    else out.log(renderPlan(result.plan))
  }
  return result
}

/** For runs over many secrets: failures of some are a partial failure, of all an error. */
export function fleetExitCode(result: ChangeRun): ExitCode {
  const failed = result.report?.failedSecrets.length ?? 0
  const ok = result.report?.results.some((r) => r.outcome === 'ok') ?? false
  if (failed > 0) return ok ? ExitCode.PARTIAL_FAILURE : ExitCode.ERROR
  if (result.plan.blocked.length > 0) return ExitCode.PARTIAL_FAILURE
  return ExitCode.OK
}

/**
 * The exit code of a look that changes nothing (`plan`, `apply --dry-run`), matching what `apply`
 * would report: a target that could not be read (1 or 3) wins, then a blocked secret (3, as `apply`
 * exits for it), and only then `--detailed-exitcode`'s 2 for pending changes.
 */
export function planExitCode(plan: Plan, coverage: ReadCoverage, detailed: boolean): ExitCode {
  const unread = unreadExitCode(coverage)
  if (unread !== undefined) return unread
  if (plan.blocked.length > 0) return ExitCode.PARTIAL_FAILURE
  return detailed && plan.actions.length > 0 ? ExitCode.CHANGES_PENDING : ExitCode.OK
}

/** `--json` of a command that changed stores (apply, sync, copy, rotate, rollback, restore). */
export interface ChangeResult {
  dryRun: false
  /** What the run set out to do. */
  plan: Plan
  /** What it did, action by action; absent when there was nothing to do. */
  report?: RunReport
  cancelled: boolean
}

/** `--json` of the same commands under --dry-run: the plan, nothing changed. */
export interface DryRunResult {
  dryRun: true
  plan: Plan
}

export const changeResult = (result: ChangeRun): ChangeResult => ({
  dryRun: false,
  plan: result.plan,
  report: result.report,
  cancelled: result.cancelled ?? false,
})
