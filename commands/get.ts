import {Args, Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {UsageError} from '../src/errors/index.js'
import {TEMPLATE_FIELD} from '../src/config/field-names.js'
import {checkField, describeVersionOf, readValueOf, valueOfField} from '../src/exec/env.js'
import {secretByName} from '../src/run/select.js'
import type {Role, SecretValue, VersionInfo} from '../providers/types.js'

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

  async run(): Promise<GetResult> {
    const config = await this.loadConfig()
    const secret = secretByName(config, this.args.name)
    const target = this.flags.target ? secret.targets.find((t) => `${t.store}:${t.path}` === this.flags.target) : secret.targets[0]
    if (!target) {
      throw new UsageError(`--target: ${this.flags.target} is not a target of ${secret.name}`, {
        hint: `targets: ${secret.targets.map((t) => `${t.store}:${t.path}`).join(', ')}`,
      })
    }
    const client = await this.stores(config).get(target.store)
    const selector = this.flags.version ? {versionId: this.flags.version} : {role: this.flags.role as 'current' | 'previous' | 'pending'}
    // Without --reveal the value is not read at all: describing is enough, and a read is audited.
    const field = this.flags.template ? TEMPLATE_FIELD : this.flags.field
    if (field !== undefined) checkField(secret, field)
    const ref = `${target.store}:${target.path}`
    let stored: SecretValue | undefined
    let version: VersionInfo | undefined
    if (!this.flags.reveal) version = await describeVersionOf(secret.name, client, target.path, selector, {strict: true})
    else if (!this.jsonEnabled()) {
      // The text output is the value alone: the version's metadata would be read for nothing
      // (two more requests on AWS, and a permission a reader of values may not have).
      stored = await readValueOf(secret.name, client, target.path, selector)
    } else {
      // Both at once; a failed read is the error to report, whatever the description did.
      const [read, described] = await Promise.allSettled([
        readValueOf(secret.name, client, target.path, selector),
        describeVersionOf(secret.name, client, target.path, selector, {strict: false}),
      ])
      if (read.status === 'rejected') throw read.reason
      if (described.status === 'rejected') throw described.reason
      stored = read.value
      version = described.value
    }
    const value = stored && field !== undefined ? valueOfField(secret, ref, stored, field) : stored
    const result: GetResult = {
      secret: secret.name,
      target: ref,
      ...(field !== undefined ? {field} : {}),
      versionId: version?.id,
      role: version?.role,
      createdAt: version?.createdAt.toISOString(),
      ...(value ? {value: value.reveal()} : {redacted: true}),
    }
    if (!this.jsonEnabled()) {
      if (value) this.log(value.reveal())
      else {
        this.log(`${result.target} version ${result.versionId ?? '?'} (${result.role ?? '?'}, created ${result.createdAt ?? '?'})`)
        this.log('value: [redacted] (use --reveal to print it)')
      }
    }
    return result
  }
}
