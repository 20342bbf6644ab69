/**
 * What every command that changes stores shares: progress bars while it reads and while it
 * works, the confirmation at a terminal, and the report afterwards. The command supplies only the
 * question and the run itself (apply, sync, copy, rotate, rollback).
 */
import type {RunReport} from '../engine/execute.js'
import {ExitCode} from '../exit-codes.js'
import {renderPlan, renderReport} from '../output/plan.js'
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
  /** --yes was given: never ask. */
  yes: boolean
  log: (text: string) => void
  warn: (message: string) => void
}

export interface ChangeOptions {
  /** Asked at a terminal before anything changes. */
  question: string
  /** Targets the run will read, for the first bar; omit for no reading bar. */
  reading?: number
  /** Label of the second bar. */
  working?: string
}

export async function runChanges<R extends ChangeRun>(out: ChangeOutput, options: ChangeOptions, start: (hooks: ChangeHooks) => Promise<R>): Promise<R> {
  // The bars draw only at a terminal and never under --json.
  const reading = new ProgressBar('reading', {json: out.json})
  const working = new ProgressBar(options.working ?? 'applying', {json: out.json})
  if (options.reading !== undefined) reading.start(options.reading)
  const interactive = !out.yes && !out.json && canPrompt()
  const result = await start({
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
          return confirm(options.question)
        }
      : undefined,
    warn: out.warn,
  })
  reading.stop()
  working.stop()
  if (!out.json) {
    if (result.cancelled) out.log('Cancelled; nothing was changed.')
    else if (result.report) out.log(renderReport(result.report))
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

export const changeResult = (result: ChangeRun) => ({
  dryRun: false,
  plan: result.plan,
  report: result.report,
  cancelled: result.cancelled ?? false,
})
