/**
 * A rotor AWS store wired to a fresh emulator, through the real SDK and a verified SigV4
 * signature. Credentials reach the client the way they would in production: from the
 * environment, here the ProviderContext's env rather than the test process's.
 */
import {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {awsFactory} from '../../../providers/aws/factory.js'
import type {AwsStoreClient} from '../../../providers/aws/client.js'
import {type AwsEmulator, type AwsEmulatorOptions, startAwsEmulator} from './server.js'

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true'

export const TEST_CREDENTIALS = {accessKeyId: 'AKIAROTORTEST0000001', secretAccessKey: 'rotor-emulator-secret-key'}

export interface AwsFixture {
  emulator: AwsEmulator
  client: AwsStoreClient
  /** A plain SDK client, as another tool or person would use the store. */
  raw: SecretsManagerClient
  close(): Promise<void>
}

export async function startAwsFixture(options: AwsEmulatorOptions = {}, storeName = 'aws-test'): Promise<AwsFixture> {
  const emulator = await startAwsEmulator({credentials: [TEST_CREDENTIALS], ...options})
  const settings = awsFactory.settings.parse({region: emulator.region, endpoint: emulator.endpoint})
  const env = {AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey}
  const client = (await awsFactory.create(storeName, settings, {baseDir: process.cwd(), env, now: () => new Date()})) as AwsStoreClient
  const raw = new SecretsManagerClient({region: emulator.region, endpoint: emulator.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1})
  return {
    emulator,
    client,
    raw,
    close: async () => {
      await client.close()
      raw.destroy()
      await emulator.close()
    },
  }
}
