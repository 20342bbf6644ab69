/**
 * The whole flow through rotor's engine (in process) with an Azure store next to the file store
 * (../lifecycle-suite.ts): apply creates, a forced rotation writes a new current version on both,
 * the grace end becomes the previous version's expiry, and once grace has passed the old version
 * is disabled. The Azure side goes through the real SDK, TLS and the challenge to the emulator.
 */
import {writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {expect} from 'vitest'
import {TOKEN_ENV} from '../../../providers/azure/credential.js'
import {secretNameFor} from '../../../providers/azure/naming.js'
import {type AzureEmulator, EMULATOR_TOKEN, startAzureEmulator} from '../../emulators/azure/server.js'
import {lifecycleSuite, SECRET_PATH} from '../lifecycle-suite.js'

const stored = (emulator: AzureEmulator, versionId: string) => emulator.state.find(secretNameFor(SECRET_PATH), versionId).version

lifecycleSuite({
  title: 'rotor lifecycle with an Azure store next to the file store',
  name: 'azure',
  async start({dir}) {
    const emulator = await startAzureEmulator()
    await writeFile(join(dir, 'vault-ca.pem'), emulator.ca)
    return {
      emulator,
      store: {type: 'azure', vaultUrl: emulator.vaultUrl, caFile: 'vault-ca.pem', disableChallengeResourceVerification: true},
      env: {[TOKEN_ENV]: EMULATOR_TOKEN},
    }
  },
  afterRotate({emulator}, {created, rotated}) {
    const oldId = created.cloud.versions[0]!.id
    expect(rotated.cloud.versions[1]!.id).toBe(oldId)
    expect(rotated.cloud.meta.graceEndsAt).toBe('2026-03-03T05:00:00.000Z')
    // The grace window is visible on the old version itself.
    expect(stored(emulator, oldId).exp).toBe(Date.parse('2026-03-03T05:00:00.000Z') / 1000)
  },
  afterRetire({emulator}, {created, retired}) {
    const oldId = created.cloud.versions[0]!.id
    expect(retired.cloud.versions[1]).toMatchObject({id: oldId, enabled: false})
    expect(stored(emulator, oldId).enabled).toBe(false)
    expect(retired.inStep).toBe(true)
  },
})
