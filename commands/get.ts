import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {runGet} from '../src/cli/get-run.js'
import type {Role} from '../providers/types.js'

/** `rotor get --json`: the version's metadata, and its value only with --reveal. */
export interface GetResult {
  secret: string
  /** `store:path` */
  target: string
  versionId?: string
  role?: Role
  createdAt?: string
  /** With --reveal. */
  value?: string
  /** Without --reveal: the value was not read. */
  redacted?: true
}

export default class Get extends BaseCommand<typeof Get, GetResult> {
  static override summary = "Read a secret's version; the value is shown only with --reveal."
  static override description = `Without --reveal, prints which version would be read and its metadata from the store's description: the value is not read at all (a read is audited by the cloud and moves AWS LastAccessedDate). With --reveal, prints the value alone on stdout (for piping), or in the JSON result: a structured value (a secret with an issuer) as its JSON text, one field of it with --field, or the secret's template filled in with --template.`

  static override examples = [
    '<%= config.bin %> get payments-api',
    '<%= config.bin %> get payments-api --reveal',
    '<%= config.bin %> get payments-api --role previous --reveal --json',
    '<%= config.bin %> get app-db --reveal --field password',
    '<%= config.bin %> get app-db --reveal --template',
    '<%= config.bin %> get payments-api --target vault:payments/api-key --version 3 --reveal',
  ]

  static override args = {name: Args.string({description: 'Secret name from rotor.yaml.', required: true})}

  static override flags = {
    reveal: Flags.boolean({summary: 'Print the secret value.', default: false}),
    role: Flags.string({summary: 'Which version to read.', options: ['current', 'previous', 'pending'], default: 'current', exclusive: ['version']}),
    version: Flags.string({summary: 'Read this version id instead of a role.'}),
    target: Flags.string({summary: 'store:path to read from (default: the primary target).'}),
    field: Flags.string({summary: 'Print this field of a structured value (`username`, `password`); needs --reveal.', dependsOn: ['reveal'], exclusive: ['template']}),
    template: Flags.boolean({summary: "Print the secret's `template:` filled in with the value's fields; needs --reveal.", dependsOn: ['reveal']}),
  }

  /** The work is in src/cli/get-run.ts, which a plain `get` command line also runs without oclif (src/cli/get-fast.ts). */
  async run(): Promise<GetResult> {
    return runGet(
      {json: this.jsonEnabled(), loadConfig: () => this.loadConfig(), stores: (config) => this.stores(config), log: (text) => this.log(text)},
      this.args.name,
      this.flags,
    )
  }
}
