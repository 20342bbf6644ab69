/**
 * A rotor GCP store wired to a fresh emulator through the real SDK over gRPC, plus a plain SDK
 * client acting as another tool or person using the same project.
 */
import {SecretManagerServiceClient} from '@google-cloud/secret-manager'
import {grpc} from 'google-gax'
import {gcpFactory, type GcpSettings} from '../../../providers/gcp/factory.js'
import type {GcpStoreClient} from '../../../providers/gcp/client.js'
import {type GcpEmulator, type GcpEmulatorOptions, startGcpEmulator} from './server.js'

export const TEST_PROJECT = 'rotor-test'

export interface GcpFixture {
  emulator: GcpEmulator
  client: GcpStoreClient
  /** A plain SDK client, as another tool or person would use the store. */
  raw: SecretManagerServiceClient
  /** `projects/rotor-test/secrets/<id>` for a rotor path. */
  secretName(path: string): string
  close(): Promise<void>
}

export async function startGcpFixture(
  options: GcpEmulatorOptions = {},
  settings: Partial<GcpSettings> = {},
  storeName = 'gcp-test',
): Promise<GcpFixture> {
  const emulator = await startGcpEmulator(options)
  const parsed = gcpFactory.settings.parse({project: TEST_PROJECT, endpoint: `${emulator.endpoint}:${emulator.port}`, insecure: true, ...settings})
  const warnings: string[] = []
  const context = {baseDir: process.cwd(), env: {}, now: () => new Date(), warn: (message: string) => warnings.push(message)}
  const client = (await gcpFactory.create(storeName, parsed, context)) as GcpStoreClient
  const raw = new SecretManagerServiceClient({
    apiEndpoint: emulator.endpoint,
    port: emulator.port,
    sslCreds: grpc.credentials.createInsecure(),
    projectId: TEST_PROJECT,
    universeDomain: 'googleapis.com',
  })
  return {
    emulator,
    client,
    raw,
    secretName: (path) => client.secretName(path),
    close: async () => {
      await client.close()
      await raw.close()
      await emulator.close()
    },
  }
}
