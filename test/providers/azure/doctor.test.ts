/** `rotor doctor` for Azure against the emulator: what it proves, and what it names when something is missing. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {azureFactory} from '../../../providers/azure/factory.js'
import {TOKEN_ENV} from '../../../providers/azure/credential.js'
import {secretNameFor} from '../../../providers/azure/naming.js'
import {SecretValue} from '../../../providers/types.js'
import {type AzureFixture, startAzureFixture} from '../../emulators/azure/fixture.js'

describe('Azure store: doctor', () => {
  let fx: AzureFixture
  beforeAll(async () => {
    fx = await startAzureFixture()
    await fx.client.writeVersion('doc/ready', new SecretValue('v0'), {rotationId: 'rot-0', stage: 'current'})
  })
  afterAll(async () => fx.close())

  it('proves reach, listing, reading and updating, and writes nothing', async () => {
    const before = fx.emulator.state.find(secretNameFor('doc/ready')).version
    const checks = await fx.client.doctor(['doc/ready', 'doc/not-yet'])
    expect(checks.filter((c) => !c.ok)).toEqual([])
    expect(checks.map((c) => c.check)).toEqual([
      `reach ${fx.emulator.vaultUrl} with ${TOKEN_ENV}`,
      'list secrets (Microsoft.KeyVault/vaults/secrets/readMetadata/action)',
      'list versions of doc/ready (secret doc--ready)',
      'read doc/ready (secrets/getSecret/action)',
      'update doc/ready (secrets/update/action; probe, changes nothing)',
      'list versions of doc/not-yet (secret doc--not-yet)',
    ])
    expect(fx.emulator.calls.SetSecret).toBe(1)
    expect(fx.emulator.state.find(secretNameFor('doc/ready')).version).toEqual(before)
  })

  it('names the missing data action and role', async () => {
    fx.emulator.faults.deny('UpdateSecret').deny('GetSecrets')
    try {
      const checks = await fx.client.doctor(['doc/ready'])
      const failed = checks.filter((c) => !c.ok)
      expect(checks[0]).toMatchObject({ok: true})
      expect(failed.map((c) => c.check)).toEqual([
        'list secrets (Microsoft.KeyVault/vaults/secrets/readMetadata/action)',
        'update doc/ready (secrets/update/action; probe, changes nothing)',
      ])
      expect(failed[1]!.detail).toContain('Microsoft.KeyVault/vaults/secrets/update/action')
      expect(failed[1]!.hint).toContain('"Key Vault Secrets Officer"')
    } finally {
      fx.emulator.faults.clear()
    }
  })

  it('reports a soft-deleted secret it will recover, and a foreign one it will not', async () => {
    await fx.client.writeVersion('doc/deleted', new SecretValue('v0'), {rotationId: 'rot-0', stage: 'current'})
    await (await fx.raw.beginDeleteSecret(secretNameFor('doc/deleted'), {intervalInMs: 10})).pollUntilDone()
    await fx.raw.setSecret(secretNameFor('doc/foreign-deleted'), 'theirs')
    await (await fx.raw.beginDeleteSecret(secretNameFor('doc/foreign-deleted'), {intervalInMs: 10})).pollUntilDone()
    const checks = await fx.client.doctor(['doc/deleted', 'doc/foreign-deleted'])
    expect(checks.find((c) => c.check === 'recover soft-deleted doc/deleted')).toMatchObject({ok: true, detail: expect.stringContaining('will recover')})
    expect(checks.find((c) => c.check === 'recover soft-deleted doc/foreign-deleted')).toMatchObject({ok: false, hint: expect.stringContaining('az keyvault secret recover')})
  })

  it('fails the reach check, and only it, when the credentials are refused', async () => {
    const settings = azureFactory.settings.parse({vaultUrl: fx.emulator.vaultUrl, caFile: fx.caFile, disableChallengeResourceVerification: true})
    const refused = await azureFactory.create('azure-refused', settings, {baseDir: fx.dir, env: {[TOKEN_ENV]: 'nope'}, now: () => new Date()})
    const checks = await refused.doctor(['doc/ready'])
    expect(checks).toHaveLength(1)
    expect(checks[0]).toMatchObject({ok: false, hint: expect.stringContaining(TOKEN_ENV)})
  })
})
