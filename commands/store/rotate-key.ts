import {Args} from '@oclif/core'
import {rotateFileKey} from '../../providers/file/rotate-key.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {yesFlag} from '../../src/cli/flags.js'
import {changeFileStore} from '../../src/cli/store-maintenance.js'
import type {KeyRotation} from '../../providers/file/rotate-key.js'

/** `rotor store rotate-key --json`. */
export type StoreRotateKeyResult = KeyRotation

export default class StoreRotateKey extends BaseCommand<typeof StoreRotateKey, StoreRotateKeyResult> {
  static override summary = "Re-encrypt a file store under a new key, and replace its key file."
  static override description = `Every value stays as it is; only the key changes. Safe to interrupt: until the new key file is in place, the old key is kept as KEYFILE.old and the new one as KEYFILE.new, and rotor reads the store with whichever opens it; running the command again finishes the job. Recorded in the audit log. Copies of the store made before (backups) still need the old key.`

  static override examples = ['<%= config.bin %> store rotate-key local', '<%= config.bin %> store rotate-key --yes']

  static override args = {
    store: Args.string({description: 'File store name from rotor.yaml (default: the only file store).'}),
  }

  static override flags = {yes: yesFlag}

  async run(): Promise<StoreRotateKeyResult> {
    const config = await this.loadConfig()
    const {store, result: rotation} = await changeFileStore(config, this.changeOutput(), () => this.audit(config), {
      action: 'rotate-key',
      store: this.args.store,
      purpose: 'whose key to rotate',
      question: (name) => `Re-encrypt file store ${name} under a new key?`,
      change: (picked, context) => rotateFileKey(picked.name, picked.settings, context),
    })
    this.log(`${rotation.resumed ? 'finished an interrupted key rotation of' : 're-encrypted'} file store ${store} under a new key`)
    this.log(`key file: ${rotation.keyFile} (back it up; backups of the store made before need the old key)`)
    return rotation
  }
}
