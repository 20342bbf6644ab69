import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag} from '../src/cli/flags.js'
import {UsageError} from '../src/errors/index.js'
import {currentValues} from '../src/exec/env.js'
import {runWithEnv} from '../src/exec/run.js'
import {selectSecrets} from '../src/run/select.js'

export default class Exec extends BaseCommand<typeof Exec> {
  static override summary = "Run a command with the selected secrets' current values in its environment."
  static override description = `Each secret's current value (read from its primary target) goes into the variable named by its \`env:\` in rotor.yaml, or its name upper-cased with other characters as "_" (payments-api -> PAYMENTS_API). Values are never put in argv. stdin, stdout and stderr are the command's own; rotor exits with the command's exit code.`

  static override examples = [
    '<%= config.bin %> exec --select payments-api -- ./server --port 8080',
    '<%= config.bin %> exec --select env:staging -- npm test',
  ]

  static override usage = '<%= command.id %> [FLAGS] -- COMMAND [ARGS...]'
  static override strict = false
  static override flags = {select: selectFlag}

  async run() {
    const {argv} = await this.parse(Exec)
    const [command, ...args] = argv as string[]
    if (!command) throw new UsageError('no command given', {hint: 'put the command after --: rotor exec --select NAME -- CMD ARGS...'})
    const config = await this.loadConfig()
    const values = await currentValues(selectSecrets(config, this.flags.select), this.stores(config))
    const env = Object.fromEntries(values.map((v) => [v.variable, v.value.reveal()]))
    const exitCode = await runWithEnv(command, args, env)
    process.exitCode = exitCode
    return {command, variables: values.map((v) => ({secret: v.secret, variable: v.variable, target: v.target})), exitCode}
  }
}
