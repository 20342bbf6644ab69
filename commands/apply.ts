import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag, shardFlag, yesFlag} from '../src/cli/flags.js'
import {now} from '../src/clock.js'
import {renderPlan} from '../src/output/plan.js'
import {pickSecrets} from '../src/run/select.js'
import {applyChanges, observeAndPlan} from '../src/run/session.js'
import {Flags} from '@oclif/core'
import {runChanges, fleetExitCode, changeResult, planExitCode} from '../src/cli/changes.js'
import {readCoverage, unreadJson} from '../src/output/unread.js'
import type {ChangeResult, DryRunResult} from '../src/cli/changes.js'
import type {ReadCoverage} from '../src/output/unread.js'

/** `rotor apply --json`: the plan under --dry-run (with what could not be read), else the plan and the report. */
export type ApplyResult = (DryRunResult & {unreadable?: ReadCoverage}) | ChangeResult

export default class Apply extends BaseCommand<typeof Apply, ApplyResult> {
  static override summary = 'Create, rotate, repair and retire secrets so every store matches rotor.yaml.'
  static override description = `Observes every target, plans what is due now, and carries it out: rotor's main job, safe to run from cron as often as you like (it is idempotent and locked against overlapping runs).
At a terminal it shows the plan and asks first; without one (cron, a pipeline) or under --json it refuses unless --yes is given (use --dry-run to only look).`

  static override examples = [
    {command: '<%= config.bin %> apply', description: 'Show the plan, confirm, apply.'},
    {command: '<%= config.bin %> apply --yes --select payments-*', description: 'From cron: no prompt, only some secrets.'},
    {command: '<%= config.bin %> apply --dry-run --json', description: 'In a pipeline: the plan as JSON, nothing changed.'},
    {command: '<%= config.bin %> apply --recreate --select payments-api', description: 'Mint a new value although other targets still hold the lost one (see `rotor restore`).'},
  ]

  static override flags = {
    select: selectFlag,
    shard: shardFlag,
    yes: yesFlag,
    'dry-run': Flags.boolean({summary: 'Show what would be done and change nothing.', default: false}),
    recreate: Flags.boolean({
      summary: 'Mint a new value for a secret whose primary lost its value, over the other targets\' live versions.',
      description:
        'Without it, a secret whose primary has no value while another target holds rotor-owned versions (or the audit log knows the secret) is blocked: creating would replace values in use. `rotor restore NAME` puts the live value back instead; use --recreate only when that value is lost or must not come back. Versions still in their grace window are not retired early.',
      default: false,
    }),
  }

  async run(): Promise<ApplyResult> {
    const config = await this.loadConfig()
    const secrets = pickSecrets(config, this.flags)
    const stores = this.stores(config, {createMissing: this.flags.recreate})
    const planOptions = {recreate: this.flags.recreate}
    if (this.flags['dry-run']) {
      const {plan, inventory} = await observeAndPlan(config, secrets, stores, now(), planOptions)
      const coverage = readCoverage(inventory)
      if (!this.jsonEnabled()) this.log(renderPlan(plan, coverage))
      this.setExitCode(planExitCode(plan, coverage, false))
      return {dryRun: true, plan, ...(coverage.unread > 0 ? {unreadable: unreadJson(coverage)} : {})}
    }
    const audit = await this.audit(config)
    const result = await runChanges(
      this.changeOutput(),
      {question: 'Apply these changes?', reading: secrets.reduce((n, s) => n + s.targets.length, 0)},
      (hooks) => applyChanges({config, secrets, stores, audit, now, planOptions, ...hooks}),
    )
    this.setExitCode(fleetExitCode(result))
    return changeResult(result)
  }
}
