/**
 * The last rotor run the audit log knows of, for monitoring: when its last entry was written and
 * whether it succeeded (no failed step and no intent left without an outcome). Runs that changed
 * nothing write no entries, so this is the last run that did something.
 */
import {readLog} from '../audit/index.js'

export interface LastRun {
  runId: string
  /** Time of the run's last entry. */
  at: Date
  success: boolean
  failures: number
  unfinished: number
}

export async function lastRun(auditPath: string): Promise<LastRun | undefined> {
  let run: {runId: string; at: string; failures: number; open: Set<number>} | undefined
  for await (const {entry} of readLog(auditPath)) {
    if (!entry) continue
    if (run?.runId !== entry.runId) run = {runId: entry.runId, at: entry.time, failures: 0, open: new Set()}
    run.at = entry.time
    if (entry.outcome === 'intent') run.open.add(entry.seq)
    else if (entry.intent !== undefined) run.open.delete(entry.intent)
    if (entry.outcome === 'failed') run.failures++
  }
  if (!run) return undefined
  return {runId: run.runId, at: new Date(run.at), success: run.failures === 0 && run.open.size === 0, failures: run.failures, unfinished: run.open.size}
}
