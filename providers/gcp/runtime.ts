/**
 * What a run needs of the gcp provider: capabilities, pacing and `create`. It imports no zod and
 * no settings schema (those are in factory.ts, for validating the config), so opening a store
 * costs only its own SDK.
 */
import type {Capabilities, ProviderRuntime} from '../types.js'
import type {GcpSettings} from './factory.js'

/** `aliasMode: staged` (the default). */
export const gcpCapabilities: Capabilities = {
  pendingStage: true,
  disableVersion: true,
  destroyVersion: true,
  // UpdateSecret with the secret's etag: alias moves fail when another writer changed the secret.
  compareAndSwap: true,
  // There is no batch access API: one AccessSecretVersion per secret.
  batchReadSize: 1,
  maxValueBytes: 65_536,
  // ListSecrets pages describe up to 1,000 secrets a request (providers/gcp/bulk.ts).
  bulkDescribe: true,
}

/** `aliasMode: at-promotion`: no pending stage, since an added version is at once `latest`. */
export const gcpAtPromotionCapabilities: Capabilities = {...gcpCapabilities, pendingStage: false}

export const gcpRuntime: ProviderRuntime<GcpSettings> = {
  kind: 'gcp',
  capabilities: gcpCapabilities,
  // Per project per minute: 600 metadata reads, 600 writes (90,000 accesses; reads are paced at
  // the stricter metadata quota because describe dominates).
  quotas: ({rateLimit}) => ({
    read: {limit: rateLimit.readsPerMinute, windowMs: 60_000},
    write: {limit: rateLimit.writesPerMinute, windowMs: 60_000},
    concurrency: rateLimit.concurrency,
  }),
  async create(storeName, gcpSettings, context) {
    const {GcpStoreClient} = await import('./client.js')
    return GcpStoreClient.open(storeName, gcpSettings, context)
  },
}
