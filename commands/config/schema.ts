import {BaseCommand} from '../../src/cli/base-command.js'
import {configJsonSchema} from '../../src/config/index.js'

export default class ConfigSchema extends BaseCommand<typeof ConfigSchema> {
  static override summary = 'Print the JSON Schema of rotor.yaml, for editor completion.'
  static override description = `Save it and point your editor at it, e.g. with the line
  # yaml-language-server: $schema=./rotor.schema.json
at the top of rotor.yaml.`

  static override examples = ['<%= config.bin %> config schema > rotor.schema.json']

  async run() {
    const schema = configJsonSchema()
    if (!this.jsonEnabled()) this.log(JSON.stringify(schema, null, 2))
    return schema
  }
}
