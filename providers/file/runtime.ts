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
}

export const fileRuntime: ProviderRuntime<FileSettings> = {
  kind: 'file',
  capabilities: fileCapabilities,
  async create(storeName, fileSettings, context) {
    const {FileStoreClient} = await import('./client.js')
    return FileStoreClient.open(storeName, fileSettings, context)
  },
}
