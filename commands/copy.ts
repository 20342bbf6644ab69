import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {yesFlag} from '../src/cli/flags.js'
import {now} from '../src/clock.js'
import {ExitCode} from '../src/exit-codes.js'
import {driftJson} from '../src/output/drift.js'
import {renderPlan} from '../src/output/plan.js'
import {copySecret, parseRef} from '../src/run/copy.js'
import {observeDrift, syncChanges} from '../src/run/sync.js'
import {runChanges, changeResult} from '../src/cli/changes.js'
import type {ChangeResult, DryRunResult} from '../src/cli/changes.js'
import type {SecretDriftJson} from '../src/output/drift.js'

/** `rotor copy --json`: the plan and the drift under --dry-run, else the plan and the report. */
export type CopyResult = (DryRunResult & {drift: SecretDriftJson[]}) | ChangeResult

export default class Copy extends BaseCommand<typeof Copy, CopyResult> {
  static override summary = 'Copy a secret from one store to others: a one-off copy or migration.'
  static override description = `Copies the source's current value (and its previous one while that is in its grace window) to every destination that does not hold it yet; a destination already holding it is left alone. The source is only read and may belong to another tool. A destination that exists without the managed-by: rotor tag is refused unless --adopt is given. Every write is audit-logged.`

  static override examples = [
    '<%= config.bin %> copy --from vault:kv/payments --to aws:payments/api-key --dry-run',
    '<%= config.bin %> copy --from aws:payments/api-key --to gcp:payments-api-key,azure:payments-api-key --yes',
  ]

  static override flags = {
    from: Flags.string({summary: 'Source, as store:path (a store named in rotor.yaml).', required: true}),
    to: Flags.string({summary: 'Destinations, as store:path; repeat or comma-separate.', required: true, multiple: true}),
    adopt: Flags.boolean({summary: 'Take over destinations that exist without the managed-by: rotor tag, and overwrite them.', default: false}),
    yes: yesFlag,
    'dry-run': Flags.boolean({summary: 'Show what would be written and change nothing.', default: false}),
  }

  async run(): Promise<CopyResult> {
    const config = await this.loadConfig()
    const from = parseRef(this.flags.from, '--from')
    const to = this.flags.to.flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean).map((t) => parseRef(t, '--to'))
    const secret = copySecret(config, from, to, this.flags.adopt)
    const stores = this.stores(config)
    const sync = {copy: true, reason: `copy from ${this.flags.from}`}
    if (this.flags['dry-run']) {
      const {drift, plan} = await observeDrift({...config, secrets: [secret]}, [secret], stores, now(), undefined, sync)
      if (!this.jsonEnabled()) this.log(renderPlan(plan))
      return {dryRun: true, plan, drift: driftJson(drift)}
    }
    const audit = await this.audit(config)
    const result = await runChanges(this.changeOutput(), {question: 'Copy?', working: 'copying'}, (hooks) =>
      syncChanges({config, secrets: [secret], stores, audit, now, sync, ...hooks}),
    )
    if ((result.report?.failedSecrets.length ?? 0) > 0 || result.plan.blocked.length > 0) this.setExitCode(ExitCode.ERROR)
    return changeResult(result)
  }
}
