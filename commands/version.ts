import {BaseCommand} from '../src/cli/base-command.js'
import {type VersionInfo, versionInfo, versionLines} from '../src/cli/version-info.js'

/** `rotor version --json`. */
export type VersionResult = VersionInfo

export default class Version extends BaseCommand<typeof Version, VersionResult> {
  static override summary = 'Print the versions of rotor, Node.js and the cloud SDKs rotor carries.'
  static override description = '`rotor --version` prints one line; this command adds the SDK versions (for bug reports) and, with --json, a document.'
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json']

  async run(): Promise<VersionResult> {
    const result = versionInfo(this.config.version)
    for (const line of versionLines(result)) this.log(line)
    return result
  }
}
