import {z} from 'zod'
import type {Capabilities, ProviderFactory} from '../types.js'
import {pathProblems} from './naming.js'
import {azurePolicy} from '../../src/policy/azure.js'

const settings = z
  .strictObject({
    vaultUrl: z
      .url({protocol: /^https$/, error: 'an https URL such as https://my-vault.vault.azure.net'})
      .describe('URL of the key vault, e.g. https://my-vault.vault.azure.net.'),
    caFile: z
      .string()
      .min(1)
      .optional()
      .describe(
        'PEM file with extra CA certificates to trust for the vault (a TLS-inspecting proxy, a private endpoint with a private CA, a local emulator); relative to the config file. The system CAs stay trusted.',
      ),
    disableChallengeResourceVerification: z
      .boolean()
      .default(false)
      .describe(
        'Accept an authentication challenge whose resource does not match the vault host. Needed only for emulators and custom domains; leave false for *.vault.azure.net.',
      ),
    pollIntervalMs: z
      .number()
      .int()
      .min(10)
      .max(60_000)
      .default(2_000)
      .describe('How often to poll while Key Vault recovers a soft-deleted secret, in milliseconds.'),
  })
  .describe(
    'Azure Key Vault secrets. Credentials: a ready bearer token in AZURE_KEYVAULT_ACCESS_TOKEN, else DefaultAzureCredential (environment, workload identity, managed identity, Azure CLI, ...). The identity needs the "Key Vault Secrets Officer" role on the vault.',
  )

export type AzureSettings = z.infer<typeof settings>

export const azureCapabilities: Capabilities = {
  // SetSecret makes the new version the latest at once; there is no label to stage behind.
  pendingStage: false,
  disableVersion: true,
  destroyVersion: false,
  compareAndSwap: false,
  batchReadSize: 1,
  maxValueBytes: 25 * 1024,
}

export const azureFactory: ProviderFactory<AzureSettings> = {
  kind: 'azure',
  summary: 'Azure Key Vault',
  settings,
  capabilities: azureCapabilities,
  policy: (input) => azurePolicy(input),
  // Per vault and region, per 10 s: 300 secret creates, 4,000 other transactions (Key Vault
  // service limits). Every rotor write makes a version, so all writes count as creates.
  quotas: {read: {limit: 4000, windowMs: 10_000}, write: {limit: 300, windowMs: 10_000}, concurrency: 16},
  validatePaths: pathProblems,
  async create(storeName, azureSettings, context) {
    const {createAzureStoreClient} = await import('./client.js')
    return createAzureStoreClient(storeName, azureSettings, context)
  },
}
