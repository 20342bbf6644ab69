import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {yesFlag} from '../src/cli/flags.js'
import {canPrompt} from '../src/cli/prompt.js'
import {now} from '../src/clock.js'
import {RotorError, UsageError} from '../src/errors/index.js'
import {ExitCode} from '../src/exit-codes.js'
import {renderPlan} from '../src/output/plan.js'
import {secretByName} from '../src/run/select.js'
import {applyChanges, observeAndPlan} from '../src/run/session.js'
import {runChanges, changeResult} from '../src/cli/changes.js'
import type {ChangeResult, DryRunResult} from '../src/cli/changes.js'

/** `rotor rollback --json`. */
export type RollbackResult = DryRunResult | ChangeResult

export default class Rollback extends BaseCommand<typeof Rollback, RollbackResult> {
  static override summary = 'Make the previous value current again on every target, within its grace window.'
  static override description = `For a rotation that broke something: the previous value becomes current again on every target, and the value it replaces stays valid for a new grace window so nothing that already uses it breaks. Only possible while the previous version is still valid (its grace window); after that, rotate instead.
Stores that can move a version back (file, memory) make the old version current again; the others get the previous value written as a new current version.`

  static override examples = ['<%= config.bin %> rollback payments-api', '<%= config.bin %> rollback payments-api --yes --json']

  static override args = {
    name: Args.string({description: 'Secret name from rotor.yaml.', required: true}),
  }

  static override flags = {
    yes: yesFlag,
    'dry-run': Flags.boolean({summary: 'Show the plan and change nothing.', default: false}),
  }

  async run(): Promise<RollbackResult> {
    const config = await this.loadConfig()
    const secret = secretByName(config, this.args.name)
    const planOptions = {rollback: new Set([secret.name])}
    const stores = this.stores(config)
    if (this.flags['dry-run']) {
      const {plan} = await observeAndPlan(config, [secret], stores, now(), planOptions)
      if (!this.jsonEnabled()) this.log(renderPlan(plan))
      return {dryRun: true, plan}
    }
    if (!this.flags.yes && !canPrompt()) throw new UsageError('rollback changes what every reader gets; pass --yes to confirm without a terminal')
    const audit = await this.audit(config)
    const question = `Make the previous value of ${secret.name} current again everywhere?`
    const result = await runChanges(this.changeOutput(), {question, working: 'rolling back'}, (hooks) =>
      applyChanges({config, secrets: [secret], stores, audit, now, planOptions, ...hooks}),
    )
    const blocked = result.plan.blocked[0]
    if (blocked) throw new RotorError(`cannot roll back ${secret.name}: ${blocked.reason}`, {ref: secret.name, ...(blocked.hint ? {hint: blocked.hint} : {})})
    // Skipped (another run holds the secret) is a rollback that did not happen: not a success.
    const done = result.report?.results.some((r) => r.action.kind === 'rollback' && r.outcome === 'ok') ?? false
    if (result.report && !done) this.setExitCode(ExitCode.ERROR)
    return changeResult(result)
  }
}
