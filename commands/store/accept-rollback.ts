import {Args} from '@oclif/core'
import {BaseCommand} from '../../src/cli/base-command.js'
import {yesFlag} from '../../src/cli/flags.js'
import {changeFileStore} from '../../src/cli/store-maintenance.js'

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
    const {store, result} = await changeFileStore(config, this.changeOutput(), () => this.audit(config), {
      action: 'accept-rollback',
      store: this.args.store,
      purpose: 'whose rollback to accept',
      question: (name) => `Accept the current, older, contents of file store ${name}?`,
      change: async (picked, context) => {
        const {FileStoreClient} = await import('../../providers/file/client.js')
        const client = await FileStoreClient.open(picked.name, picked.settings, context)
        try {
          return await client.acceptRollback()
        } finally {
          await client.close()
        }
      },
      reason: (r) => (r.accepted ? `generation ${r.generation} accepted; ${r.seen} was seen` : `nothing to accept: generation ${r.generation}, ${r.seen} was seen`),
    })
    this.log(
      result.accepted
        ? `accepted file store ${store} at generation ${result.generation} (${result.seen} had been seen); run \`rotor plan\` to see what differs from the other targets`
        : `file store ${store} is not older than what was seen (generation ${result.generation}, ${result.seen} seen): nothing to accept`,
    )
    return {store, ...result}
  }
}
