import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag} from '../src/cli/flags.js'
import {UsageError} from '../src/errors/index.js'
import {checkPassEnv, childEnv, type PassEnvSource} from '../src/exec/child-env.js'
import {currentValues} from '../src/exec/env.js'
import {runWithEnv} from '../src/exec/run.js'
import {selectSecrets} from '../src/run/select.js'

/** `rotor exec --json`: which variables the command got (never their values) and how it exited. */
export interface ExecResult {
  command: string
  variables: Array<{secret: string; variable: string; target: string}>
  masked: boolean
  exitCode: number
}

export default class Exec extends BaseCommand<typeof Exec, ExecResult> {
  static override summary = "Run a command with the selected secrets' current values in its environment."
  static override description = `Each secret's current value (read from its primary target) goes into the variable named by its \`env:\` in rotor.yaml, or its name upper-cased with other characters as "_" (payments-api -> PAYMENTS_API); a secret with a \`template:\` hands over the rendered template there. \`env:\` may instead map variables to fields of a structured value (\`env: {DB_USER: username, DB_PASSWORD: password, DATABASE_URL: template}\`). Values are never put in argv.

The command gets only PATH, HOME, USER, LANG, LC_*, TZ, TMPDIR, TERM and SHELL from rotor's environment, plus the variables the selected secrets name in \`passEnv:\` and those given with --pass-env, plus the values. rotor's own credentials (ROTOR_FILE_KEY or a file store's keyEnv, VAULT_*, AWS_*, AZURE_*, GOOGLE_*, CLOUDSDK_*, ROTOR_AUDIT_KEY*, webhook variables) are never passed.

The values are masked in the command's stdout and stderr (which then are pipes, not the terminal); --no-mask hands it the terminal and prints them as they are. stdin is the command's own; rotor exits with the command's exit code.`

  static override examples = [
    '<%= config.bin %> exec --select payments-api -- ./server --port 8080',
    '<%= config.bin %> exec --select env:staging --pass-env DATABASE_HOST -- npm test',
    '<%= config.bin %> exec --all -- ./run-everything.sh',
  ]

  static override usage = '<%= command.id %> [FLAGS] -- COMMAND [ARGS...]'
  static override strict = false
  static override flags = {
    select: selectFlag,
    all: Flags.boolean({summary: 'Pass every secret in rotor.yaml (instead of --select).', default: false, exclusive: ['select']}),
    'pass-env': Flags.string({summary: "Also pass this variable of rotor's environment (repeatable); never one of rotor's credentials.", multiple: true}),
    mask: Flags.boolean({summary: "Mask the values in the command's stdout and stderr.", default: true, allowNo: true}),
  }

  async run(): Promise<ExecResult> {
    const {argv} = await this.parse(Exec)
    const [command, ...args] = argv as string[]
    if (!command) throw new UsageError('no command given', {hint: 'put the command after --: rotor exec --select NAME -- CMD ARGS...'})
    if (!this.flags.all && (this.flags.select ?? []).length === 0) {
      throw new UsageError('say which secrets the command gets: --select PATTERN, or --all for every secret', {
        hint: 'rotor exec --select payments-api -- ./server',
      })
    }
    const config = await this.loadConfig()
    const secrets = selectSecrets(config, this.flags.all ? [] : this.flags.select)
    const passEnv: PassEnvSource[] = [
      ...secrets.filter((s) => s.passEnv).map((s) => ({from: `secrets.${s.name}.passEnv`, names: s.passEnv!})),
      {from: '--pass-env', names: this.flags['pass-env'] ?? []},
    ]
    // Refused before any value is read.
    checkPassEnv(passEnv, config)
    const values = await currentValues(secrets, this.stores(config))
    // Set on purpose from a secret (AWS_ACCESS_KEY_ID from an aws-iam secret's field), so allowed
    // even where passEnv would refuse the name: these are the secret's values, not rotor's credentials.
    const revealed = Object.fromEntries(values.map((v) => [v.variable, v.value.reveal()]))
    const env = childEnv({env: process.env, config, passEnv, values: revealed})
    const exitCode = await runWithEnv(command, args, env, {mask: this.flags.mask ? values.flatMap((v) => v.masks) : []})
    process.exitCode = exitCode
    const variables = values.map((v) => ({secret: v.secret, variable: v.variable, target: v.target, ...(v.field ? {field: v.field} : {})}))
    return {command, variables, masked: this.flags.mask, exitCode}
  }
}
