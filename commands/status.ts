import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag, shardFlag} from '../src/cli/flags.js'
import {runStatus} from '../src/cli/status-run.js'
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

  /** The work is in src/cli/status-run.ts, which `status --json` also runs without oclif (src/cli/status-fast.ts). */
  async run(): Promise<StatusResult> {
    return runStatus(
      {
        json: this.jsonEnabled(),
        loadConfig: () => this.loadConfig(),
        stores: (config) => this.stores(config),
        log: (text) => this.log(text),
        note: (text) => this.note(text),
        setExitCode: (code) => this.setExitCode(code),
      },
      this.flags,
    )
  }
}
