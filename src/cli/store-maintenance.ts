/**
 * What `rotor store rotate-key` and `rotor store accept-rollback` share: they change a file store
 * itself rather than a secret, so they go through the same consent as every store-changing
 * command (requireConsent: --yes, or a terminal to ask at; under --json only --yes), then write
 * an audit intent before the change and its outcome after (ok with the reason, or failed).
 */
import type {FileSettings} from '../../providers/file/factory.js'
import {pickFileStore} from '../../providers/file/pick-store.js'
import type {ProviderContext} from '../../providers/types.js'
import type {AuditLog} from '../audit/index.js'
import {now} from '../clock.js'
import type {RotorConfig} from '../config/types.js'
import {CancelledError} from '../errors/index.js'
import {type ChangeOutput, requireConsent} from './changes.js'
import {canPrompt, confirm} from './prompt.js'

export interface FileStoreChange<R> {
  action: 'rotate-key' | 'accept-rollback'
  /** The store named on the command line; without it, the only file store. */
  store: string | undefined
  /** For the message when none or several file stores match: "name the file store whose key to rotate". */
  purpose: string
  /** Asked at a terminal before anything changes. */
  question: (store: string) => string
  change: (store: {name: string; settings: FileSettings}, context: ProviderContext) => Promise<R>
  /** The audit entry's reason when the change succeeded (default "manual"). */
  reason?: (result: R) => string
}

export async function changeFileStore<R>(config: RotorConfig, out: ChangeOutput, openAudit: () => Promise<AuditLog>, step: FileStoreChange<R>): Promise<{store: string; result: R}> {
  const store = pickFileStore(config, step.store, step.purpose)
  requireConsent(out, out.command, {dryRun: false})
  if (!out.yes && !out.json && canPrompt() && !(await confirm(step.question(store.name), out.interrupt.signal))) throw new CancelledError()
  const audit = await openAudit()
  const context: ProviderContext = {
    baseDir: config.baseDir,
    env: process.env,
    now,
    warn: out.warn,
    auditPath: config.audit.path,
    // A change the store makes on its own (a v1 store migrated first) is audited in its own step.
    audit: (entry) => audit.append(entry),
  }
  const record = {secret: '*', target: `${store.name}:*`, action: step.action, reason: 'manual'} as const
  const intent = await audit.append({...record, outcome: 'intent'})
  try {
    const result = await step.change({name: store.name, settings: store.settings as FileSettings}, context)
    await audit.append({...record, reason: step.reason?.(result) ?? record.reason, outcome: 'ok', intent: intent.seq})
    return {store: store.name, result}
  } catch (error) {
    await audit.append({...record, outcome: 'failed', error: (error as Error).message, intent: intent.seq}).catch(() => undefined)
    throw error
  }
}
