import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {yesFlag} from '../src/cli/flags.js'
import {canPrompt} from '../src/cli/prompt.js'
import {now} from '../src/clock.js'
import {UsageError} from '../src/errors/index.js'
import {ExitCode} from '../src/exit-codes.js'
import {renderPlan} from '../src/output/plan.js'
import {secretByName} from '../src/run/select.js'
import {applyChanges, observeAndPlan} from '../src/run/session.js'
import {runChanges, changeResult} from '../src/cli/changes.js'
import type {ChangeResult, DryRunResult} from '../src/cli/changes.js'

/** `rotor rotate --json`. */
export type RotateResult = DryRunResult | ChangeResult

export default class Rotate extends BaseCommand<typeof Rotate, RotateResult> {
  static override summary = 'Rotate one secret now, due or not.'
  static override description = `Stages a new value on every target, promotes it, and keeps the old value valid for the grace window.
--emergency is for a leaked key: grace 0, the old value is retired on every target at once, and a --reason is required for the audit log.`

  static override examples = [
    '<%= config.bin %> rotate payments-api',
    '<%= config.bin %> rotate payments-api --emergency --reason "leaked in CI logs" --yes',
  ]

  static override args = {
    name: Args.string({description: 'Secret name from rotor.yaml.', required: true}),
  }

  static override flags = {
    emergency: Flags.boolean({summary: 'Retire the old value at once (grace 0).', dependsOn: ['reason']}),
    reason: Flags.string({summary: 'Why; recorded in the audit log. Required with --emergency.'}),
    yes: yesFlag,
    'dry-run': Flags.boolean({summary: 'Show the plan and change nothing.', default: false}),
  }

  async run(): Promise<RotateResult> {
    const config = await this.loadConfig()
    const secret = secretByName(config, this.args.name)
    const planOptions = {force: new Map([[secret.name, {emergency: this.flags.emergency ?? false, reason: this.flags.reason}]])}
    const stores = this.stores(config)
    if (this.flags['dry-run']) {
      const {plan} = await observeAndPlan(config, [secret], stores, now(), planOptions)
      if (!this.jsonEnabled()) this.log(renderPlan(plan))
      return {dryRun: true, plan}
    }
    if (this.flags.emergency && !this.flags.yes && !canPrompt()) {
      throw new UsageError('--emergency retires the old value at once; pass --yes to confirm without a terminal')
    }
    const audit = await this.audit(config)
    const question = this.flags.emergency ? 'Retire the old value everywhere NOW?' : 'Rotate now?'
    const result = await runChanges(this.changeOutput(), {question, working: 'rotating'}, (hooks) =>
      applyChanges({config, secrets: [secret], stores, audit, now, planOptions, ...hooks}),
    )
    const heldElsewhere = result.report?.results.some((r) => r.action.kind === 'rotate' && r.outcome === 'skipped' && r.reason)
    if ((result.report?.failedSecrets.length ?? 0) > 0 || result.plan.blocked.length > 0) this.setExitCode(ExitCode.ERROR)
    // Another run holds this secret (its lease, or it won the compare-and-swap): not rotated by us.
    else if (heldElsewhere) this.setExitCode(ExitCode.LOCKED)
    return changeResult(result)
  }
}
