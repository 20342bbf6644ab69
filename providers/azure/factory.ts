import {z} from 'zod'
import type {ProviderFactory} from '../types.js'
import {azureRuntime} from './runtime.js'
import {pathProblems} from './naming.js'
import {azurePolicy} from './policy.js'

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

export const azureFactory: ProviderFactory<AzureSettings> = {
  ...azureRuntime,
  summary: 'Azure Key Vault',
  settings,
  policy: (input) => azurePolicy(input),
  endpoints: (s) => [{source: 'vaultUrl', url: s.vaultUrl, allowInsecure: false}],
  validatePaths: pathProblems,
}

export {azureCapabilities} from './runtime.js'
