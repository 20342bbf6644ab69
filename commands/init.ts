import {access, mkdir, writeFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {Flags} from '@oclif/core'
import {BaseCommand} from '../src/cli/base-command.js'
import {CLOUD_STARTERS, STARTER_CONFIG, type StarterStore} from '../src/cli/starter.js'
import {resolveConfigPath} from '../src/config/load.js'
import {UsageError} from '../src/errors/index.js'

/** `rotor init --json`. */
export interface InitResult {
  /** The config file written. */
  file: string
  /** With --store. */
  store?: StarterStore
}

export default class Init extends BaseCommand<typeof Init, InitResult> {
  static override summary = 'Write a starter rotor.yaml: the local encrypted file store, or one cloud with --store.'
  static override description = 'Creates the file named by --config (default ./rotor.yaml); refuses to overwrite an existing one unless --force. With --store aws|vault|azure|gcp the starter uses that cloud, with comments on credentials and permissions; `rotor import --store NAME` then brings the secrets already there under rotor.'

  static override examples = ['<%= config.bin %> init', '<%= config.bin %> init --store aws', '<%= config.bin %> init --config ops/rotor.yaml']

  static override flags = {
    force: Flags.boolean({summary: 'Overwrite an existing file.', default: false}),
    store: Flags.string({summary: 'Start with this cloud store instead of the local file store.', options: Object.keys(CLOUD_STARTERS)}),
  }

  async run(): Promise<InitResult> {
    const file = resolve(resolveConfigPath(this.flags.config))
    if (!this.flags.force && (await exists(file))) {
      throw new UsageError(`${file} already exists`, {hint: 'pass --force to overwrite it, or --config to write elsewhere'})
    }
    const store = this.flags.store as StarterStore | undefined
    await mkdir(dirname(file), {recursive: true})
    await writeFile(file, store ? CLOUD_STARTERS[store] : STARTER_CONFIG, {mode: 0o644})
    if (!this.jsonEnabled()) {
      this.log(`Wrote ${file}.`)
      this.log(
        store
          ? `Next: fill in the ${store} store's settings, \`rotor doctor\` to check access, \`rotor import --store ${store}\` for secrets already there, then \`rotor plan\`.`
          : 'Next: `rotor plan` to see what would happen, then `rotor apply`. Add .rotor/ to .gitignore.',
      )
    }
    return {file, ...(store ? {store} : {})}
  }
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  )
}
