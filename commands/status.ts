import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag, shardFlag} from '../src/cli/flags.js'
import {now} from '../src/clock.js'
import {parseDuration} from '../src/config/duration.js'
import {fromFsError, UsageError} from '../src/errors/index.js'
import {upcomingEvents} from '../src/notify/upcoming.js'
import {prometheusMetrics} from '../src/output/prometheus.js'
import {renderStatus, renderUpcoming, secretStatus} from '../src/output/status.js'
import {readCoverage, unreadExitCode, unreadJson, unreadLines, unreadSummary} from '../src/output/unread.js'
import {lastRun} from '../src/run/last-run.js'
import {runLockHolder} from '../src/run/run-lock.js'
import {pickSecrets} from '../src/run/select.js'
import {observeAndPlan} from '../src/run/session.js'
import type {SecretStatus} from '../src/output/status.js'
import type {ReadCoverage} from '../src/output/unread.js'
import type {UpcomingEvent} from '../src/notify/upcoming.js'
import type {Blocker} from '../src/plan/types.js'
import type {RunLockHolder} from '../src/run/run-lock.js'

/** `rotor status --json`. */
export interface StatusResult {
  at: string
  secrets: SecretStatus[]
  blocked: Blocker[]
  /** With --upcoming: rotations and grace ends in the window, in time order. */
  upcoming?: Array<Omit<UpcomingEvent, 'at'> & {at: string}>
  /** Targets that could not be read (exit 1 or 3). */
  unreadable?: ReadCoverage
  /** The run that holds the run lock now. */
  runningBy?: RunLockHolder
}

export default class Status extends BaseCommand<typeof Status, StatusResult> {
  static override summary = 'Show each secret and target: current version, age, next rotation, grace end, state.'
  static override description = `Reads the stores (never values) and shows where every secret stands, including rotations an earlier run left in flight and what the next \`rotor apply\` will do about them. \`--format prometheus\` prints the same facts, and the last run from the audit log, for node-exporter's textfile collector. \`--upcoming 7d\` lists the rotations and grace ends of the next 7 days in time order. Exits 1 when no target could be read, 3 when some could not.`

  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --select env:production --json',
    '<%= config.bin %> status --upcoming 7d',
    '<%= config.bin %> status --format prometheus > /var/lib/node_exporter/textfile/rotor.prom.tmp; mv /var/lib/node_exporter/textfile/rotor.prom.tmp /var/lib/node_exporter/textfile/rotor.prom',
  ]

  static override flags = {
    select: selectFlag,
    shard: shardFlag,
    format: Flags.string({summary: 'Output format: a table, or Prometheus text exposition (node-exporter textfile).', options: ['table', 'prometheus'], default: 'table'}),
    upcoming: Flags.string({summary: 'List rotations and grace ends within this long from now, in time order (e.g. 7d).'}),
  }

  async run(): Promise<StatusResult> {
    if (this.flags.format === 'prometheus' && (this.jsonEnabled() || this.flags.upcoming)) {
      throw new UsageError('--format prometheus cannot be combined with --json or --upcoming')
    }
    const withinMs = this.flags.upcoming === undefined ? undefined : upcomingWindow(this.flags.upcoming)
    const config = await this.loadConfig()
    const at = now()
    const picked = pickSecrets(config, this.flags)
    const {secrets, inventory, plan} = await observeAndPlan(config, picked, this.stores(config), at)
    const runningBy = await runLockHolder(config)
    const statuses = secrets.map((s) => secretStatus(s, inventory, plan, at, runningBy))
    const coverage = readCoverage(inventory)
    const upcoming = withinMs === undefined ? undefined : upcomingEvents(secrets, inventory, at, withinMs)
    if (this.flags.format === 'prometheus') {
      const last = await lastRun(config.audit.path).catch((error: unknown) => {
        throw fromFsError(error, 'the audit log', config.audit.path)
      })
      if (!last) this.note(`no run recorded in the audit log ${config.audit.path}: rotor_last_run_* are left out`)
      this.log(prometheusMetrics(statuses, at, last).trimEnd())
    } else if (!this.jsonEnabled()) {
      this.log(upcoming ? renderUpcoming(upcoming, at, withinMs!) : renderStatus(statuses, at, coverage, runningBy))
      // What could not be read is missing from the list: say so, as the table does.
      if (upcoming && coverage.unread > 0) this.log(`\n${unreadSummary(coverage)}\n${unreadLines(coverage).map((l) => `  ${l}`).join('\n')}`)
    }
    const failed = unreadExitCode(coverage)
    if (failed !== undefined) this.setExitCode(failed)
    return {
      at: at.toISOString(),
      secrets: statuses,
      blocked: plan.blocked,
      ...(upcoming ? {upcoming: upcoming.map((e) => ({...e, at: e.at.toISOString()}))} : {}),
      ...(coverage.unread > 0 ? {unreadable: unreadJson(coverage)} : {}),
      ...(runningBy ? {runningBy} : {}),
    }
  }
}

function upcomingWindow(text: string): number {
  try {
    return parseDuration(text)
  } catch (error) {
    throw new UsageError(`--upcoming: ${(error as Error).message}`, {hint: 'e.g. --upcoming 7d'})
  }
}
