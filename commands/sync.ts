import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag, shardFlag, yesFlag} from '../src/cli/flags.js'
import {ProgressBar} from '../src/cli/progress.js'
import {now} from '../src/clock.js'
import {driftJson} from '../src/output/drift.js'
import {renderPlan} from '../src/output/plan.js'
import {pickSecrets} from '../src/run/select.js'
import {observeDrift, syncChanges} from '../src/run/sync.js'
import {runChanges, fleetExitCode, changeResult} from '../src/cli/changes.js'
import type {ChangeResult, DryRunResult} from '../src/cli/changes.js'
import type {SecretDriftJson} from '../src/output/drift.js'

/** `rotor sync --json`: the plan and the drift under --dry-run, else the plan and the report. */
export type SyncResult = (DryRunResult & {drift: SecretDriftJson[]}) | ChangeResult

export default class Sync extends BaseCommand<typeof Sync, SyncResult> {
  static override summary = "Make every target hold its primary's current value (and its previous one while in grace), writing only what differs."
  static override description = `Compares every target with its primary (rotation ids first, values by HMAC only where ids cannot tell) and copies the primary's value to targets that are missing or hold another value; while the primary's previous value is in its grace window, a target gets that one first. It never writes a value a target already holds, never rotates and never touches a rotation in flight (run \`rotor apply\` for those). Extra enabled versions are retired.`

  static override examples = [
    '<%= config.bin %> sync --dry-run',
    {command: '<%= config.bin %> sync --yes --shard 2/4', description: 'One of four runners that share the fleet.'},
  ]

  static override flags = {
    select: selectFlag,
    shard: shardFlag,
    yes: yesFlag,
    'dry-run': Flags.boolean({summary: 'Show what would be written and change nothing.', default: false}),
  }

  async run(): Promise<SyncResult> {
    const config = await this.loadConfig()
    const secrets = pickSecrets(config, this.flags)
    const stores = this.stores(config)
    const targets = secrets.reduce((n, s) => n + s.targets.length, 0)
    if (this.flags['dry-run']) {
      const reading = new ProgressBar('reading', {json: this.jsonEnabled(), quiet: this.quiet()})
      reading.start(targets)
      const {drift, plan} = await observeDrift(config, secrets, stores, now(), undefined, undefined, (n) => reading.tick(n))
      reading.stop()
      if (!this.jsonEnabled()) this.log(renderPlan(plan))
      return {dryRun: true, plan, drift: driftJson(drift)}
    }
    const audit = await this.audit(config)
    const result = await runChanges(this.changeOutput(), {question: 'Write these changes?', reading: targets, working: 'syncing'}, (hooks) =>
      syncChanges({config, secrets, stores, audit, now, ...hooks}),
    )
    this.setExitCode(fleetExitCode(result))
    return changeResult(result)
  }
}
