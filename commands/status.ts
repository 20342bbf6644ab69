import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag, shardFlag} from '../src/cli/flags.js'
import {now} from '../src/clock.js'
import {renderStatus, secretStatus} from '../src/output/status.js'
import {pickSecrets} from '../src/run/select.js'
import {observeAndPlan} from '../src/run/session.js'

export default class Status extends BaseCommand<typeof Status> {
  static override summary = 'Show each secret and target: current version, age, next rotation, grace end, state.'
  static override description = `Reads the stores (never values) and shows where every secret stands, including rotations an earlier run left in flight and what the next \`rotor apply\` will do about them.`

  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --select env:production --json']

  static override flags = {select: selectFlag, shard: shardFlag}

  async run() {
    const config = await this.loadConfig()
    const at = now()
    const {secrets, inventory, plan} = await observeAndPlan(config, pickSecrets(config, this.flags), this.stores(config), at)
    const statuses = secrets.map((s) => secretStatus(s, inventory, plan.actions, at))
    if (!this.jsonEnabled()) this.log(renderStatus(statuses, at))
    return {at: at.toISOString(), secrets: statuses, blocked: plan.blocked}
  }
}
