/**
 * The whole flow through rotor's engine (in process) with a GCP store next to the file store
 * (../lifecycle-suite.ts), in both alias modes: apply creates, a forced rotation stages and
 * promotes (or, at-promotion, writes current), and once grace has passed the old version is
 * retired by disabling it. The GCP side goes through the real SDK over gRPC to the emulator.
 */
import {expect} from 'vitest'
import {startGcpEmulator} from '../../emulators/gcp/server.js'
import {lifecycleSuite} from '../lifecycle-suite.js'

for (const aliasMode of ['staged', 'at-promotion'] as const) {
  lifecycleSuite({
    title: `rotor lifecycle with a GCP store (aliasMode ${aliasMode}) next to the file store`,
    name: 'gcp',
    async start() {
      const emulator = await startGcpEmulator()
      return {
        emulator,
        store: {type: 'gcp', project: 'rotor-test', endpoint: `${emulator.endpoint}:${emulator.port}`, insecure: true, aliasMode},
        env: {},
      }
    },
    secret: {labels: '{Team: Payments}'},
    afterCreate(_, {created}) {
      expect(created.cloud.labels).toMatchObject({'managed-by': 'rotor', team: 'payments'})
    },
    afterRotate({emulator}, {rotated}) {
      expect(rotated.cloud.meta.promotedAt).toBeDefined()
      expect(emulator.calls.AddSecretVersion).toBe(2)
    },
    afterRetire({emulator}) {
      expect(emulator.calls.DisableSecretVersion).toBeGreaterThan(0)
    },
  })
}
