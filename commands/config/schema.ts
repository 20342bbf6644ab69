import {BaseCommand} from '../../src/cli/base-command.js'
import {configJsonSchema} from '../../src/config/index.js'

/** `rotor config schema --json`: the JSON Schema of rotor.yaml (draft 2020-12), plus the envelope. */
export type ConfigSchemaResult = Record<string, unknown>

export default class ConfigSchema extends BaseCommand<typeof ConfigSchema, ConfigSchemaResult> {
  static override summary = 'Print the JSON Schema of rotor.yaml, for editor completion.'
  static override description = `Save it and point your editor at it, e.g. with the line
  # yaml-language-server: $schema=./rotor.schema.json
at the top of rotor.yaml.`

  static override examples = ['<%= config.bin %> config schema > rotor.schema.json']

  async run(): Promise<ConfigSchemaResult> {
    const schema = configJsonSchema()
    if (!this.jsonEnabled()) this.log(JSON.stringify(schema, null, 2))
    return schema
  }
}
