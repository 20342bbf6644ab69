import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag, shardFlag, yesFlag} from '../src/cli/flags.js'
import {ProgressBar} from '../src/cli/progress.js'
import {canPrompt, confirm} from '../src/cli/prompt.js'
import {now} from '../src/clock.js'
import {ExitCode} from '../src/exit-codes.js'
import {driftJson} from '../src/output/drift.js'
import {renderPlan, renderReport} from '../src/output/plan.js'
import {pickSecrets} from '../src/run/select.js'
import {observeDrift, syncChanges} from '../src/run/sync.js'

export default class Sync extends BaseCommand<typeof Sync> {
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

  async run() {
    const config = await this.loadConfig()
    const secrets = pickSecrets(config, this.flags)
    const stores = this.stores(config)
    const json = this.jsonEnabled()
    const reading = new ProgressBar('reading', {json})
    reading.start(secrets.reduce((n, s) => n + s.targets.length, 0))
    if (this.flags['dry-run']) {
      const {drift, plan} = await observeDrift(config, secrets, stores, now(), undefined, undefined, (n) => reading.tick(n))
      reading.stop()
      if (!json) this.log(renderPlan(plan))
      return {dryRun: true, plan, drift: driftJson(drift)}
    }
    const writing = new ProgressBar('syncing', {json})
    const interactive = !this.flags.yes && !json && canPrompt()
    const result = await syncChanges({
      config,
      secrets,
      stores,
      audit: await this.audit(config),
      now,
      onRead: (n) => reading.tick(n),
      onPlanned: (plan) => {
        reading.stop()
        writing.start(plan.actions.length)
      },
      confirm: interactive
        ? async (plan) => {
            writing.stop()
            this.log(renderPlan(plan))
            return confirm('Write these changes?')
          }
        : undefined,
      onProgress: () => writing.tick(),
      warn: (message) => this.warn(message),
    })
    writing.stop()
    if (!json) {
      if (result.cancelled) this.log('Cancelled; nothing was changed.')
      else if (result.report) this.log(renderReport(result.report))
      else this.log(renderPlan(result.plan))
    }
    const failed = result.report?.failedSecrets.length ?? 0
    const ok = result.report?.results.some((r) => r.outcome === 'ok') ?? false
    if (failed > 0) this.setExitCode(ok ? ExitCode.PARTIAL_FAILURE : ExitCode.ERROR)
    else if (result.plan.blocked.length > 0) this.setExitCode(ExitCode.PARTIAL_FAILURE)
    return {dryRun: false, plan: result.plan, report: result.report, cancelled: result.cancelled ?? false}
  }
}
