/**
 * What a run needs of the vault provider: capabilities, pacing and `create`. It imports no zod and
 * no settings schema (those are in factory.ts, for validating the config), so opening a store
 * costs only its own SDK.
 */
import type {Capabilities, ProviderRuntime} from '../types.js'
import type {VaultSettings} from './factory.js'

export const vaultCapabilities: Capabilities = {
  pendingStage: false,
  disableVersion: true,
  destroyVersion: true,
  compareAndSwap: true,
  batchReadSize: 1,
  // Vault's storage caps one entry (integrated storage max_entry_size 1 MiB, Consul 512 KiB),
  // and a version is stored with its JSON framing: 512 KiB fits both.
  maxValueBytes: 512 * 1024,
}

export const vaultRuntime: ProviderRuntime<VaultSettings> = {
  kind: 'vault',
  capabilities: vaultCapabilities,
  quotas: ({rateLimit}) => ({
    read: {limit: rateLimit.readsPerSecond, windowMs: 1000},
    write: {limit: rateLimit.writesPerSecond, windowMs: 1000},
    concurrency: rateLimit.concurrency,
  }),
  async create(storeName, vaultSettings, context) {
    const {VaultStoreClient} = await import('./client.js')
    return VaultStoreClient.open(storeName, vaultSettings, context)
  },
}
