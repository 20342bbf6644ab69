import {BaseCommand} from '../../src/cli/base-command.js'

export interface ConfigValidateResult {
  /** Always true: an invalid config is an error document (exit 65). */
  valid: true
  /** The config file read. */
  file: string
  /** Store names. */
  stores: string[]
  /** Secret names. */
  secrets: string[]
}

export default class ConfigValidate extends BaseCommand<typeof ConfigValidate, ConfigValidateResult> {
  static override summary = 'Check rotor.yaml without touching any store.'
  static override description = 'Reports every problem with its file, line, column and key, and exits 65 when there is one.'

  static override examples = ['<%= config.bin %> config validate', '<%= config.bin %> config validate --config ops/rotor.yaml --json']

  async run(): Promise<ConfigValidateResult> {
    const config = await this.loadConfig({cache: false})
    const result: ConfigValidateResult = {valid: true, file: config.file, stores: Object.keys(config.stores), secrets: config.secrets.map((s) => s.name)}
    if (!this.jsonEnabled()) this.log(`${config.file} is valid: ${result.stores.length} store(s), ${result.secrets.length} secret(s).`)
    return result
  }
}
