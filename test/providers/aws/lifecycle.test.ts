/**
 * The whole flow through rotor's engine (in process) with an AWS store next to the file store
 * (../lifecycle-suite.ts): apply creates, a forced rotation stages and promotes on both, and once
 * grace has passed the old version is retired. The AWS side goes through the real SDK to the
 * emulator.
 */
import {expect} from 'vitest'
import {startAwsEmulator} from '../../emulators/aws/server.js'
import {TEST_CREDENTIALS} from '../../emulators/aws/fixture.js'
import {lifecycleSuite} from '../lifecycle-suite.js'

lifecycleSuite({
  title: 'rotor lifecycle with an AWS store next to the file store',
  name: 'aws',
  async start() {
    const emulator = await startAwsEmulator({credentials: [TEST_CREDENTIALS]})
    return {
      emulator,
      store: {type: 'aws', region: emulator.region, endpoint: emulator.endpoint},
      env: {AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey},
    }
  },
  afterRotate(_, {created, rotated}) {
    expect(rotated.cloud.meta.promotedAt).toBeDefined()
    expect(rotated.cloud.versions[0].id).not.toBe(created.cloud.versions[0].id)
  },
  afterRetire({emulator}) {
    expect(emulator.calls.UpdateSecretVersionStage).toBeGreaterThan(0)
  },
})
