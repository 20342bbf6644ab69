import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag, shardFlag, orphansFlag} from '../src/cli/flags.js'
import {ProgressBar} from '../src/cli/progress.js'
import {now} from '../src/clock.js'
import {ExitCode} from '../src/exit-codes.js'
import {driftJson, renderDrift} from '../src/output/drift.js'
import {readCoverage, unreadExitCode, unreadJson, unreadLines, unreadSummary} from '../src/output/unread.js'
import {findOrphans} from '../src/run/orphans.js'
import {pickSecrets} from '../src/run/select.js'
import {observeDrift} from '../src/run/sync.js'
import type {SecretDriftJson} from '../src/output/drift.js'
import type {ReadCoverage} from '../src/output/unread.js'
import type {Blocker} from '../src/plan/types.js'
import type {Orphan, OrphanReport} from '../src/run/orphans.js'

/** `rotor diff --json`. */
export interface DiffResult {
  at: string
  /** True when any secret drifts. */
  drift: boolean
  secrets: SecretDriftJson[]
  orphans: Orphan[]
  blocked: Blocker[]
  /** Targets that could not be read (exit 1 or 3). */
  unreadable?: ReadCoverage
  /** Stores that could not be listed to look for orphans. */
  unlisted?: OrphanReport['unlisted']
}

export default class Diff extends BaseCommand<typeof Diff, DiffResult> {
  static override summary = 'Show drift between each secret and its targets: missing, stale, extra versions, unowned; and orphans.'
  static override description = `Reads every target and compares it with its primary. Rotation ids prove most versions equal without reading any value; where they cannot (adopted secrets, values another tool wrote) the values are read and compared by HMAC under a key made for this run. Values are never shown: at most a short fingerprint that means nothing outside this run.
Drift kinds: missing, stale (another current value), previous-missing (the previous value in grace is not there), extra-versions (enabled versions rotor would retire), unowned, in-flight, unknown (values could not be compared), error. Each drifting secret names its fix: \`rotor sync\` only where sync can fix it.
Orphans: rotor-owned secrets under the configured paths that no secret in the config names any more (one listing per store).
Exits 1 when no target could be read, 3 when some could not; --detailed-exitcode gives 2 for drift or orphans only when every target was read.`

  static override examples = [
    '<%= config.bin %> diff',
    {command: '<%= config.bin %> diff --detailed-exitcode --json', description: 'In a pipeline: exit 2 when anything drifts.'},
    '<%= config.bin %> diff --select env:production --shard 1/4',
  ]

  static override flags = {
    select: selectFlag,
    shard: shardFlag,
    'detailed-exitcode': Flags.boolean({summary: 'Exit 2 when there is drift or an orphan (0 when none).', default: false}),
    orphans: orphansFlag,
  }

  async run(): Promise<DiffResult> {
    const config = await this.loadConfig()
    const secrets = pickSecrets(config, this.flags)
    const at = now()
    const bar = new ProgressBar('reading', {json: this.jsonEnabled(), quiet: this.quiet()})
    bar.start(secrets.reduce((n, s) => n + s.targets.length, 0))
    const stores = this.stores(config)
    const {drift, plan, inventory} = await observeDrift(config, secrets, stores, at, undefined, undefined, (n) => bar.tick(n))
    bar.stop()
    const {orphans, unlisted} = this.flags.orphans ? await findOrphans(config, stores) : {orphans: [], unlisted: []}
    const coverage = readCoverage(inventory)
    // A store already reported as unreadable needs no second warning for its listing.
    const notListed = unlisted.filter((l) => !coverage.groups.some((g) => g.store === l.store))
    for (const u of notListed) this.warn(`could not list ${u.store}${u.prefix ? ` under ${u.prefix}` : ''} to look for orphans: ${u.reason} (--no-orphans skips the search)`)
    if (!this.jsonEnabled()) {
      this.log(renderDrift(drift, plan, orphans))
      if (coverage.unread > 0) this.log(`\n${unreadSummary(coverage)}\n${unreadLines(coverage).map((l) => `  ${l}`).join('\n')}`)
    }
    const drifting = drift.some((d) => d.drift)
    const failed = unreadExitCode(coverage)
    // A store that could not be listed is a search not made: not a pass (3), like a target not read.
    if (failed !== undefined) this.setExitCode(failed)
    else if (notListed.length > 0) this.setExitCode(ExitCode.PARTIAL_FAILURE)
    else if ((drifting || orphans.length > 0) && this.flags['detailed-exitcode']) this.setExitCode(ExitCode.CHANGES_PENDING)
    return {
      at: at.toISOString(),
      drift: drifting,
      secrets: driftJson(drift, plan),
      orphans,
      blocked: plan.blocked,
      ...(coverage.unread > 0 ? {unreadable: unreadJson(coverage)} : {}),
      ...(notListed.length > 0 ? {unlisted: notListed} : {}),
    }
  }
}
