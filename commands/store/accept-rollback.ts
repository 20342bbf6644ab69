import {Args} from '@oclif/core'
import type {FileSettings} from '../../providers/file/factory.js'
import {pickFileStore} from '../../providers/file/pick-store.js'
import {BaseCommand} from '../../src/cli/base-command.js'
import {yesFlag} from '../../src/cli/flags.js'
import {canPrompt, confirm} from '../../src/cli/prompt.js'
import {now} from '../../src/clock.js'
import {UsageError} from '../../src/errors/index.js'

/** `rotor store accept-rollback --json`. */
export interface StoreAcceptRollbackResult {
  store: string
  /** The store's generation now. */
  generation: number
  /** The generation rotor had seen before. */
  seen: number
  /** Where rotor records the generation it saw. */
  seenFile: string
  /** False when the store was not older than what was seen: nothing to accept. */
  accepted: boolean
}

export default class StoreAcceptRollback extends BaseCommand<typeof StoreAcceptRollback, StoreAcceptRollbackResult> {
  static override summary = 'Accept a file store that is older than the last state rotor saw of it (a restored backup).'
  static override description = `Every write to a file store advances its generation, an authenticated counter inside the store, and rotor records the last generation it saw outside the store (in the user's state directory). A store whose generation is lower (a backup or snapshot put back, or a replaced file) is refused, because it may hand out values that were rotated away. When you restored it on purpose, this command records its current generation as the one seen, and the store opens again; \`rotor plan\` then shows what differs from the other targets. Recorded in the audit log. Changes no secret.`

  static override examples = ['<%= config.bin %> store accept-rollback local --yes']

  static override args = {
    store: Args.string({description: 'File store name from rotor.yaml (default: the only file store).'}),
  }

  static override flags = {yes: yesFlag}

  async run(): Promise<StoreAcceptRollbackResult> {
    const config = await this.loadConfig()
    const store = pickFileStore(config, this.args.store, 'whose rollback to accept')
    if (!this.flags.yes) {
      if (!canPrompt()) throw new UsageError('accept-rollback accepts an older copy of the store; pass --yes to confirm without a terminal')
      if (!(await confirm(`Accept the current, older, contents of file store ${store.name}?`))) throw new UsageError('cancelled; nothing was changed')
    }
    const audit = await this.audit(config)
    const {FileStoreClient} = await import('../../providers/file/client.js')
    const client = await FileStoreClient.open(store.name, store.settings as FileSettings, {
      baseDir: config.baseDir,
      env: process.env,
      now,
      warn: (message) => this.warn(message),
      auditPath: config.audit.path,
      audit: (entry) => audit.append(entry),
    })
    const record = {secret: '*', target: `${store.name}:*`, action: 'accept-rollback', reason: 'manual'} as const
    const intent = await audit.append({...record, outcome: 'intent'})
    try {
      const result = await client.acceptRollback()
      await audit.append({
        ...record,
        reason: result.accepted ? `generation ${result.generation} accepted; ${result.seen} was seen` : `nothing to accept: generation ${result.generation}, ${result.seen} was seen`,
        outcome: 'ok',
        intent: intent.seq,
      })
      if (!this.jsonEnabled()) {
        this.log(
          result.accepted
            ? `accepted file store ${store.name} at generation ${result.generation} (${result.seen} had been seen); run \`rotor plan\` to see what differs from the other targets`
            : `file store ${store.name} is not older than what was seen (generation ${result.generation}, ${result.seen} seen): nothing to accept`,
        )
      }
      return {store: store.name, ...result}
    } catch (error) {
      await audit.append({...record, outcome: 'failed', error: (error as Error).message, intent: intent.seq}).catch(() => undefined)
      throw error
    } finally {
      await client.close()
    }
  }
}
