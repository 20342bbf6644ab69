import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag, shardFlag, yesFlag} from '../src/cli/flags.js'
import {ProgressBar} from '../src/cli/progress.js'
import {canPrompt, confirm} from '../src/cli/prompt.js'
import {now} from '../src/clock.js'
import {ExitCode} from '../src/exit-codes.js'
import {renderPlan, renderReport} from '../src/output/plan.js'
import {pickSecrets} from '../src/run/select.js'
import {applyChanges, observeAndPlan} from '../src/run/session.js'
import {Flags} from '@oclif/core'

export default class Apply extends BaseCommand<typeof Apply> {
  static override summary = 'Create, rotate, repair and retire secrets so every store matches rotor.yaml.'
  static override description = `Observes every target, plans what is due now, and carries it out: rotor's main job, safe to run from cron as often as you like (it is idempotent and locked against overlapping runs).
At a terminal it shows the plan and asks first; without one it proceeds (use --dry-run to only look).`

  static override examples = [
    {command: '<%= config.bin %> apply', description: 'Show the plan, confirm, apply.'},
    {command: '<%= config.bin %> apply --yes --select payments-*', description: 'From cron: no prompt, only some secrets.'},
    {command: '<%= config.bin %> apply --dry-run --json', description: 'In a pipeline: the plan as JSON, nothing changed.'},
  ]

  static override flags = {
    select: selectFlag,
    shard: shardFlag,
    yes: yesFlag,
    'dry-run': Flags.boolean({summary: 'Show what would be done and change nothing.', default: false}),
  }

  async run() {
    const config = await this.loadConfig()
    const secrets = pickSecrets(config, this.flags)
    const stores = this.stores(config)
    if (this.flags['dry-run']) {
      const {plan} = await observeAndPlan(config, secrets, stores, now())
      if (!this.jsonEnabled()) this.log(renderPlan(plan))
      return {dryRun: true, plan}
    }
    const json = this.jsonEnabled()
    const interactive = !this.flags.yes && !json && canPrompt()
    // Progress only at a terminal, never under --json (the bar checks both).
    const reading = new ProgressBar('reading', {json})
    const applying = new ProgressBar('applying', {json})
    reading.start(secrets.reduce((n, s) => n + s.targets.length, 0))
    const result = await applyChanges({
      config,
      secrets,
      stores,
      audit: await this.audit(config),
      now,
      onRead: (n) => reading.tick(n),
      onPlanned: (plan) => {
        reading.stop()
        applying.start(plan.actions.length)
      },
      confirm: interactive
        ? async (plan) => {
            applying.stop()
            this.log(renderPlan(plan))
            return confirm('Apply these changes?')
          }
        : undefined,
      onProgress: () => applying.tick(),
      warn: (message) => this.warn(message),
    })
    reading.stop()
    applying.stop()
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
