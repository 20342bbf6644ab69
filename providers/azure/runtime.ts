/**
 * What a run needs of the azure provider: capabilities, pacing and `create`. It imports no zod and
 * no settings schema (those are in factory.ts, for validating the config), so opening a store
 * costs only its own SDK.
 */
import type {Capabilities, ProviderRuntime} from '../types.js'
import type {AzureSettings} from './factory.js'

export const azureCapabilities: Capabilities = {
  // SetSecret makes the new version the latest at once; there is no label to stage behind.
  pendingStage: false,
  disableVersion: true,
  destroyVersion: false,
  compareAndSwap: false,
  batchReadSize: 1,
  maxValueBytes: 25 * 1024,
}

export const azureRuntime: ProviderRuntime<AzureSettings> = {
  kind: 'azure',
  capabilities: azureCapabilities,
  // Per vault and region, per 10 s: 300 secret creates, 4,000 other transactions (Key Vault
  // service limits). Every rotor write makes a version, so all writes count as creates.
  quotas: {read: {limit: 4000, windowMs: 10_000}, write: {limit: 300, windowMs: 10_000}, concurrency: 16},
  async create(storeName, azureSettings, context) {
    const {createAzureStoreClient} = await import('./client.js')
    return createAzureStoreClient(storeName, azureSettings, context)
  },
}
