/**
 * What a run needs of the aws provider: capabilities, pacing and `create`. It imports no zod and
 * no settings schema (those are in factory.ts, for validating the config), so opening a store
 * costs only its own SDK.
 */
import type {Capabilities, ProviderRuntime} from '../types.js'
import type {AwsSettings} from './factory.js'

export const awsCapabilities: Capabilities = {
  pendingStage: true,
  // A version is retired by removing its labels; it cannot be disabled and enabled again.
  disableVersion: false,
  destroyVersion: false,
  compareAndSwap: true,
  batchReadSize: 20,
  // ListSecrets pages describe 100 secrets a request (providers/aws/batch.ts).
  bulkDescribe: true,
  maxValueBytes: 65_536,
}

export const awsRuntime: ProviderRuntime<AwsSettings> = {
  kind: 'aws',
  capabilities: awsCapabilities,
  // Per region: GetSecretValue + DescribeSecret 10,000/s; PutSecretValue, UpdateSecret and
  // UpdateSecretVersionStage together 50/s (the Secrets Manager quotas page).
  quotas: {read: {limit: 5000, windowMs: 1000}, write: {limit: 50, windowMs: 1000}, concurrency: 32},
  async create(storeName, awsSettings, context) {
    const {AwsStoreClient} = await import('./client.js')
    return new AwsStoreClient(storeName, awsSettings, context)
  },
}
