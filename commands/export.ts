import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {selectFlag} from '../src/cli/flags.js'
import {UsageError} from '../src/errors/index.js'
import {currentValues, toEnvFile, toJsonFile} from '../src/exec/env.js'
import {prepareOutputFile} from '../src/exec/output-file.js'
import {selectSecrets} from '../src/run/select.js'
import {writeFileAtomic} from '../src/util/atomic-write.js'

/** A variable written, and where its value came from. */
export interface ExportedVariable {
  secret: string
  variable: string
  /** `store:path` */
  target: string
}

/** `rotor export --json`: with --reveal the values by variable, else the file written. */
export type ExportResult =
  | {format: string; variables: ExportedVariable[]; values: Record<string, string>}
  | {format: string; file: string; mode: '0600'; variables: ExportedVariable[]}

export default class Export extends BaseCommand<typeof Export, ExportResult> {
  static override summary = "Write the selected secrets' current values to a file with mode 0600."
  static override description = `--format env writes NAME='value' lines a POSIX shell can source (and dotenv reads); --format json writes one object. Variable names come from each secret's \`env:\`, or its name upper-cased; an \`env:\` map writes one variable per field of a structured value (or \`template\`). Printing values on stdout reveals them, so it needs --reveal.`

  static override examples = [
    '<%= config.bin %> export --output .env.local',
    '<%= config.bin %> export --select env:staging --format json --output /run/app/secrets.json',
    '<%= config.bin %> export --select payments-api --reveal',
  ]

  static override flags = {
    format: Flags.string({summary: 'File format.', options: ['env', 'json'], default: 'env'}),
    output: Flags.string({char: 'o', summary: 'File to write (created atomically, mode 0600); an existing file needs --force.'}),
    force: Flags.boolean({summary: 'Replace the --output file when it exists.', dependsOn: ['output']}),
    reveal: Flags.boolean({summary: 'Print the values on stdout instead of writing a file.', default: false, exclusive: ['output']}),
    select: selectFlag,
  }

  async run(): Promise<ExportResult> {
    if (!this.flags.output && !this.flags.reveal) {
      throw new UsageError('say where the values go: --output FILE, or --reveal to print them', {
        hint: 'rotor export --output .env.local (mode 0600)',
      })
    }
    const config = await this.loadConfig()
    const output = this.flags.output ? await prepareOutputFile(this.flags.output, {force: this.flags.force}) : undefined
    if (output?.warning) this.warn(output.warning)
    const values = await currentValues(selectSecrets(config, this.flags.select), this.stores(config))
    const text = this.flags.format === 'json' ? toJsonFile(values) : toEnvFile(values)
    const variables = values.map((v) => ({secret: v.secret, variable: v.variable, target: v.target, ...(v.field ? {field: v.field} : {})}))
    if (this.flags.reveal) {
      if (!this.jsonEnabled()) process.stdout.write(text)
      return {format: this.flags.format, variables, values: Object.fromEntries(values.map((v) => [v.variable, v.value.reveal()]))}
    }
    const {file} = output!
    await writeFileAtomic(file, text, 0o600)
    if (!this.jsonEnabled()) this.note(`wrote ${values.length} value(s) to ${file} (mode 0600)`)
    return {format: this.flags.format, file, mode: '0600', variables}
  }
}
