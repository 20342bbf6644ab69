import {access, mkdir, writeFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {STARTER_CONFIG} from '../src/cli/starter.js'
import {resolveConfigPath} from '../src/config/load.js'
import {UsageError} from '../src/errors/index.js'

export default class Init extends BaseCommand<typeof Init> {
  static override summary = 'Write a starter rotor.yaml that uses the local encrypted file store.'
  static override description = 'Creates the file named by --config (default ./rotor.yaml); refuses to overwrite an existing one unless --force.'

  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init --config ops/rotor.yaml']

  static override flags = {force: Flags.boolean({summary: 'Overwrite an existing file.', default: false})}

  async run() {
    const file = resolve(resolveConfigPath(this.flags.config))
    if (!this.flags.force && (await exists(file))) {
      throw new UsageError(`${file} already exists`, {hint: 'pass --force to overwrite it, or --config to write elsewhere'})
    }
    await mkdir(dirname(file), {recursive: true})
    await writeFile(file, STARTER_CONFIG, {mode: 0o644})
    if (!this.jsonEnabled()) {
      this.log(`Wrote ${file}.`)
      this.log('Next: `rotor plan` to see what would happen, then `rotor apply`. Add .rotor/ to .gitignore.')
    }
    return {file}
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  )
}
