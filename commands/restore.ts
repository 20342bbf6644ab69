import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {yesFlag} from '../src/cli/flags.js'
import {canPrompt} from '../src/cli/prompt.js'
import {now} from '../src/clock.js'
import {UsageError} from '../src/errors/index.js'
import {ExitCode} from '../src/exit-codes.js'
import {renderPlan} from '../src/output/plan.js'
import {restoreOptions, restoreRefusal} from '../src/run/restore.js'
import {secretByName} from '../src/run/select.js'
import {applyChanges, observeAndPlan} from '../src/run/session.js'
import {runChanges, changeResult} from '../src/cli/changes.js'
import type {ChangeResult, DryRunResult} from '../src/cli/changes.js'

/** `rotor restore --json`. */
export type RestoreResult = DryRunResult | ChangeResult

export default class Restore extends BaseCommand<typeof Restore, RestoreResult> {
  static override summary = "Put a lost primary's value back from another target, without minting a new one."
  static override description = `When the primary lost its value (a deleted store file or key, a fresh pod, an unmounted volume) while other targets still hold rotor's versions, \`apply\` refuses to create the secret anew. restore writes the newest rotor-owned current value (and the previous one while its grace window lasts) back on the primary, with their rotation ids and promotion record, so every target agrees again.
The source is the target whose owned current version was promoted last, or the one --from names. Safe to run again: a rerun after an interruption finishes the restore, and a restored primary needs nothing.`

  static override examples = [
    '<%= config.bin %> restore payments-api',
    {command: '<%= config.bin %> restore payments-api --from aws:prod/payments/api-key --yes', description: 'Restore from a chosen target, without a prompt.'},
  ]

  static override args = {
    name: Args.string({description: 'Secret name from rotor.yaml.', required: true}),
  }

  static override flags = {
    from: Flags.string({summary: 'The target to restore from, as store:path (default: the one with the newest owned value).', helpValue: 'store:path'}),
    yes: yesFlag,
    'dry-run': Flags.boolean({summary: 'Show the plan and change nothing.', default: false}),
  }

  async run(): Promise<RestoreResult> {
    const config = await this.loadConfig()
    const secret = secretByName(config, this.args.name)
    const planOptions = restoreOptions(secret, this.flags.from)
    // A lost local primary store file is written anew by the restore: the operator asked for it.
    const stores = this.stores(config, {createMissing: true})
    if (this.flags['dry-run']) {
      const {plan} = await observeAndPlan(config, [secret], stores, now(), planOptions)
      const refusal = restoreRefusal(config, secret, plan.blocked[0])
      if (refusal) throw refusal
      if (!this.jsonEnabled()) this.log(renderPlan(plan))
      return {dryRun: true, plan}
    }
    if (!this.flags.yes && !canPrompt()) throw new UsageError("restore writes the primary's value; pass --yes to confirm without a terminal")
    const audit = await this.audit(config)
    const question = `Restore ${secret.name} on its primary from another target?`
    const result = await runChanges(this.changeOutput(), {question, working: 'restoring'}, (hooks) =>
      applyChanges({config, secrets: [secret], stores, audit, now, planOptions, ...hooks}),
    )
    const refusal = restoreRefusal(config, secret, result.plan.blocked[0])
    if (refusal) throw refusal
    const failed = result.report?.results.some((r) => r.outcome !== 'ok') ?? false
    if (failed) this.setExitCode(ExitCode.ERROR)
    return changeResult(result)
  }
}
