/**
 * A rotor Azure store wired to a fresh emulator through the real SDK: TLS trusted through the
 * store's `caFile` setting (a temporary PEM file holding only the certificate), the challenge
 * flow, and a bearer token handed over the way a pipeline would, in AZURE_KEYVAULT_ACCESS_TOKEN
 * of the ProviderContext's env.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {rootCertificates} from 'node:tls'
import {SecretClient} from '@azure/keyvault-secrets'
import {azureFactory} from '../../../providers/azure/factory.js'
import type {AzureStoreClient} from '../../../providers/azure/client.js'
import {staticTokenCredential, TOKEN_ENV} from '../../../providers/azure/credential.js'
import {type AzureEmulator, type AzureEmulatorOptions, EMULATOR_TOKEN, startAzureEmulator} from './server.js'

export interface AzureFixture {
  emulator: AzureEmulator
  client: AzureStoreClient
  /** A plain SDK client, as another tool or person would use the vault. */
  raw: SecretClient
  /** Directory holding `ca.pem`, for configs that point `caFile` at it. */
  dir: string
  caFile: string
  env: Record<string, string>
  close(): Promise<void>
}

export async function startAzureFixture(options: AzureEmulatorOptions = {}, storeName = 'azure-test'): Promise<AzureFixture> {
  const emulator = await startAzureEmulator(options)
  const dir = await mkdtemp(join(tmpdir(), 'rotor-azure-'))
  const caFile = join(dir, 'ca.pem')
  await writeFile(caFile, emulator.ca)
  const settings = azureFactory.settings.parse({vaultUrl: emulator.vaultUrl, caFile, disableChallengeResourceVerification: true, pollIntervalMs: 10})
  const env = {[TOKEN_ENV]: options.token ?? EMULATOR_TOKEN}
  const client = (await azureFactory.create(storeName, settings, {baseDir: dir, env, now: () => new Date()})) as AzureStoreClient
  const raw = new SecretClient(emulator.vaultUrl, staticTokenCredential(options.token ?? EMULATOR_TOKEN), {
    retryOptions: {maxRetries: 0},
    disableChallengeResourceVerification: true,
    tlsOptions: {ca: [...rootCertificates, emulator.ca]},
  })
  return {
    emulator,
    client,
    raw,
    dir,
    caFile,
    env,
    close: async () => {
      await client.close()
      await emulator.close()
      await rm(dir, {recursive: true, force: true})
    },
  }
}
