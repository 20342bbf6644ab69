/**
 * What a run needs of the file provider: capabilities, pacing and `create`. It imports no zod and
 * no settings schema (those are in factory.ts, for validating the config), so opening a store
 * costs only its own SDK.
 */
import type {Capabilities, ProviderRuntime} from '../types.js'
import type {FileSettings} from './factory.js'

export const fileCapabilities: Capabilities = {
  pendingStage: true,
  disableVersion: true,
  destroyVersion: true,
  compareAndSwap: true,
  batchReadSize: 100_000,
  maxValueBytes: 64 * 1024,
  // describeMany: one read transaction for all the paths of a run (client.ts).
  bulkDescribe: true,
}

export const fileRuntime: ProviderRuntime<FileSettings> = {
  kind: 'file',
  capabilities: fileCapabilities,
  // Calls in flight are cheap here: writes that arrive together share one commit (client.ts),
  // so the more secrets run at once, the fewer syncs each pays.
  quotas: {read: {limit: 1_000_000, windowMs: 1000}, write: {limit: 1_000_000, windowMs: 1000}, concurrency: 256},
  async create(storeName, fileSettings, context) {
    const {FileStoreClient} = await import('./client.js')
    return FileStoreClient.open(storeName, fileSettings, context)
  },
}
