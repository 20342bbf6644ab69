import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag, shardFlag} from '../src/cli/flags.js'
import {now} from '../src/clock.js'
import {renderStatus, secretStatus} from '../src/output/status.js'
import {readCoverage, unreadExitCode, unreadJson} from '../src/output/unread.js'
import {runLockHolder} from '../src/run/run-lock.js'
import {pickSecrets} from '../src/run/select.js'
import {observeAndPlan} from '../src/run/session.js'

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show each secret and target: current version, age, next rotation, grace end, state.'
  static override description = `Reads the stores (never values) and shows where every secret stands, including rotations an earlier run left in flight and what the next \`rotor apply\` will do about them. Exits 1 when no target could be read, 3 when some could not.`

  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --select env:production --json']

  static override flags = {select: selectFlag, shard: shardFlag}

  async run() {
    const config = await this.loadConfig()
    const at = now()
    const {secrets, inventory, plan} = await observeAndPlan(config, pickSecrets(config, this.flags), this.stores(config), at)
    const runningBy = await runLockHolder(config)
    const statuses = secrets.map((s) => secretStatus(s, inventory, plan, at, runningBy))
    const coverage = readCoverage(inventory)
    if (!this.jsonEnabled()) this.log(renderStatus(statuses, at, coverage, runningBy))
    const failed = unreadExitCode(coverage)
    if (failed !== undefined) this.setExitCode(failed)
    return {
      at: at.toISOString(),
      secrets: statuses,
      blocked: plan.blocked,
      ...(coverage.unread > 0 ? {unreadable: unreadJson(coverage)} : {}),
      ...(runningBy ? {runningBy} : {}),
    }
  }
}
