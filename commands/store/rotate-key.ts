import {Args} from '@oclif/core'
import type {FileSettings} from '../../providers/file/factory.js'
import {pickFileStore} from '../../providers/file/pick-store.js'
import {rotateFileKey} from '../../providers/file/rotate-key.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {yesFlag} from '../../src/cli/flags.js'
import {canPrompt, confirm} from '../../src/cli/prompt.js'
import {UsageError} from '../../src/errors/index.js'
import {now} from '../../src/clock.js'
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
    const store = pickFileStore(config, this.args.store, 'whose key to rotate')
    if (!this.flags.yes) {
      if (!canPrompt()) throw new UsageError('rotate-key re-encrypts the store; pass --yes to confirm without a terminal')
      if (!(await confirm(`Re-encrypt file store ${store.name} under a new key?`))) throw new UsageError('cancelled; nothing was changed')
    }
    const audit = await this.audit(config)
    const record = {secret: '*', target: `${store.name}:*`, action: 'rotate-key', reason: 'manual'} as const
    try {
      const rotation = await rotateFileKey(store.name, store.settings as FileSettings, {
        baseDir: config.baseDir,
        env: process.env,
        now,
        warn: (message) => this.warn(message),
        auditPath: config.audit.path,
        // A v1 store is migrated first, in its own audited step.
        audit: (entry) => audit.append(entry),
      })
      await audit.append({...record, outcome: 'ok'})
      if (!this.jsonEnabled()) {
        this.log(`${rotation.resumed ? 'finished an interrupted key rotation of' : 're-encrypted'} file store ${store.name} under a new key`)
        this.log(`key file: ${rotation.keyFile} (back it up; backups of the store made before need the old key)`)
      }
      return rotation
    } catch (error) {
      await audit.append({...record, outcome: 'failed', error: (error as Error).message}).catch(() => undefined)
      throw error
    }
  }
}
