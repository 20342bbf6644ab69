/**
 * What a run needs of the memory provider: capabilities, pacing and `create`. It imports no zod and
 * no settings schema (those are in factory.ts, for validating the config), so opening a store
 * costs only its own SDK.
 */
import type {Capabilities, ProviderRuntime} from '../types.js'

export const memoryCapabilities: Capabilities = {
  pendingStage: true,
  disableVersion: true,
  destroyVersion: true,
  compareAndSwap: true,
  batchReadSize: 1000,
  maxValueBytes: 64 * 1024,
}

export const memoryRuntime: ProviderRuntime<Record<string, never>> = {
  kind: 'memory',
  capabilities: memoryCapabilities,
  async create(storeName, _settings, context) {
    const {MemoryStoreClient} = await import('./client.js')
    return new MemoryStoreClient(storeName, context.now)
  },
}
