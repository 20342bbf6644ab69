import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag, shardFlag} from '../src/cli/flags.js'
import {now} from '../src/clock.js'
import {parseTimeFlag} from '../src/cli/time-flag.js'
import {planExitCode} from '../src/cli/changes.js'
import {renderPlan, summarize} from '../src/output/plan.js'
import {readCoverage, unreadJson} from '../src/output/unread.js'
import {pickSecrets} from '../src/run/select.js'
import {observeAndPlan} from '../src/run/session.js'
import type {ReadCoverage} from '../src/output/unread.js'
import type {ActionKind, Plan as PlannedChanges} from '../src/plan/types.js'

/** `rotor plan --json`: the plan, its actions counted by kind, and what could not be read. */
export type PlanResult = PlannedChanges & {
  summary: Record<ActionKind, number>
  /** Targets that could not be read (exit 1 or 3). */
  unreadable?: ReadCoverage
}

export default class Plan extends BaseCommand<typeof Plan, PlanResult> {
  static override summary = 'Show what `rotor apply` would do, without changing anything.'
  static override description = `Reads every target and prints the actions due: create, rotate, repair, retire. With --at, plans for another moment (the stores are read now), e.g. to see what next Monday's run will rotate. Exits 1 when no target could be read, 3 when some could not or a secret is blocked (as apply would), also with --detailed-exitcode (which gives 2 only when every target was read and nothing is blocked).`

  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan --at 2026-12-01T03:00:00Z',
    {command: '<%= config.bin %> plan --json --detailed-exitcode', description: 'In CI: exit 2 when there are changes.'},
  ]

  static override flags = {
    select: selectFlag,
    shard: shardFlag,
    at: Flags.string({summary: 'Plan as of this time (ISO 8601, or +7d / -1h from now), instead of now.'}),
    'detailed-exitcode': Flags.boolean({summary: 'Exit 2 when changes are pending, 0 when none (like terraform).', default: false}),
  }

  async run(): Promise<PlanResult> {
    const at = this.flags.at === undefined ? now() : parseTimeFlag('at', this.flags.at, now())
    const config = await this.loadConfig()
    const {plan, inventory} = await observeAndPlan(config, pickSecrets(config, this.flags), this.stores(config), at)
    const coverage = readCoverage(inventory)
    if (!this.jsonEnabled()) this.log(renderPlan(plan, coverage))
    this.setExitCode(planExitCode(plan, coverage, this.flags['detailed-exitcode']))
    return {...plan, summary: summarize(plan), ...(coverage.unread > 0 ? {unreadable: unreadJson(coverage)} : {})}
  }
}
