/**
 * What `rotor status` does, free of oclif: the command (commands/status.ts) and the `status
 * --json` fast path (src/cli/status-fast.ts) both run this, so both print the same document.
 */
import type {StatusResult} from '../../commands/status.js'
import {now} from '../clock.js'
import {parseDuration} from '../config/duration.js'
import {fromFsError, UsageError} from '../errors/index.js'
import type {ExitCode} from '../exit-codes.js'
import {addUpcoming, inTimeOrder, type UpcomingEvent} from '../notify/upcoming.js'
import {prometheusMetrics} from '../output/prometheus.js'
import type {RunHost} from './command-core.js'
import {renderStatus, renderUpcoming, type SecretStatus, statusRowMaker} from '../output/status.js'
import {readCoverage, unreadExitCode, unreadJson, unreadLines, unreadSummary} from '../output/unread.js'
import {lastRun} from '../run/last-run.js'
import {runLockHolder} from '../run/run-lock.js'
import {pickSecrets} from '../run/select.js'
import {observeForListing} from '../run/session.js'
import {useTickCache} from '../schedule/cron.js'
import {planSecrets} from '../plan/planner.js'
import type {Blocker} from '../plan/types.js'
import {JsonList} from './json-stream.js'

export interface StatusFlags {
  select?: string[]
  shard?: string
  format: string
  upcoming?: string
}

/** What status needs from the command line that runs it: a RunHost that can also note and set the exit code. */
export interface StatusHost extends RunHost {
  note(text: string): void
  setExitCode(code: ExitCode): void
  /**
   * Whether the host writes the --json document with writeJson (src/cli/json-stream.ts), which
   * writes a JsonList as it makes it: then the rows are made while they are written, and the
   * result's `secrets` (a JsonList) is for writeJson only.
   */
  streamsJson?: boolean
}

export async function runStatus(host: StatusHost, flags: StatusFlags): Promise<StatusResult> {
  if (flags.format === 'prometheus' && (host.json || flags.upcoming)) {
    throw new UsageError('--format prometheus cannot be combined with --json or --upcoming')
  }
  const withinMs = flags.upcoming === undefined ? undefined : upcomingWindow(flags.upcoming)
  const config = await host.loadConfig()
  // Due times from ticks an earlier status computed: cron-parser loads only for a new one.
  useTickCache(process.env, now)
  const at = now()
  const picked = pickSecrets(config, flags)
  const {inventory, planOptions} = await observeForListing(config, picked, host.stores(config))
  const runningBy = await runLockHolder(config)
  const coverage = readCoverage(inventory)
  // Each secret planned and shown in turn: its facts are made once, for both.
  const blocked: Blocker[] = []
  const events: UpcomingEvent[] | undefined = withinMs === undefined ? undefined : []
  const upcoming: NonNullable<StatusResult['upcoming']> = []
  const rowOf = statusRowMaker(inventory, at, runningBy)
  function* rows(): Generator<SecretStatus, void, undefined> {
    let listed = 0
    for (const planned of planSecrets(picked, inventory, at, planOptions)) {
      // readInventory answers for every secret (an error is an answer): none may be left out unsaid.
      if (planned.secret !== picked[listed]) break
      listed++
      for (const blocker of planned.blocked) blocked.push(blocker)
      if (events) addUpcoming(events, planned.secret.name, planned.facts, at, at.getTime() + withinMs!)
      yield rowOf(planned)
    }
    if (listed < picked.length) throw new Error(`status: ${picked[listed].name} was not observed`)
    if (events) for (const e of inTimeOrder(events)) upcoming.push({...e, at: e.at.toISOString()})
  }
  // Under --json, a host that writes with writeJson gets the rows as they are made (JsonList): `blocked` and
  // `upcoming`, which follow them in the document, are complete once the last row is written.
  const streamed = host.json && host.streamsJson === true
  const statuses = streamed ? (new JsonList(rows()) as unknown as SecretStatus[]) : [...rows()]
  if (flags.format === 'prometheus') {
    const last = await lastRun(config.audit.path).catch((error: unknown) => {
      throw fromFsError(error, 'the audit log', config.audit.path)
    })
    if (!last) host.note(`no run recorded in the audit log ${config.audit.path}: rotor_last_run_* are left out`)
    host.log(prometheusMetrics(statuses, at, last).trimEnd())
  } else if (!host.json) {
    host.log(events ? renderUpcoming(events, at, withinMs!) : renderStatus(statuses, at, coverage, runningBy))
    // What could not be read is missing from the list: say so, as the table does.
    if (events && coverage.unread > 0) host.log(`\n${unreadSummary(coverage)}\n${unreadLines(coverage).map((l) => `  ${l}`).join('\n')}`)
  }
  const failed = unreadExitCode(coverage)
  if (failed !== undefined) host.setExitCode(failed)
  return {
    at: at.toISOString(),
    secrets: statuses,
    blocked,
    ...(events ? {upcoming} : {}),
    ...(coverage.unread > 0 ? {unreadable: unreadJson(coverage)} : {}),
    ...(runningBy ? {runningBy} : {}),
  }
}

function upcomingWindow(text: string): number {
  try {
    return parseDuration(text)
  } catch (error) {
    throw new UsageError(`--upcoming: ${(error as Error).message}`, {hint: 'e.g. --upcoming 7d'})
  }
}
