import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {vaultFactory} from '../../../providers/vault/factory.js'
import {SecretValue} from '../../../providers/types.js'
import {AuthError} from '../../../src/errors/index.js'
import type {Capability} from '../../emulators/vault/auth.js'
import {type Harness, harness} from '../../providers/vault/harness.js'
import {parseHcl} from './hcl.js'

/** The generated policy, loaded into the emulator's ACL, is enough for rotor and no more. */
describe('Vault policy against the emulator', () => {
  let h: Harness
  beforeEach(async () => {
    h = await harness()
  })
  afterEach(async () => {
    await h.close()
  })

  async function clientWith(readOnly: boolean, paths: string[], destroyPaths: string[] = []) {
    const settings = vaultFactory.settings.parse({address: h.emulator.address, pathPrefix: 'apps'})
    const doc = vaultFactory.policy!({storeName: 'vault', settings, paths, destroyPaths, readOnly})
    const rules = parseHcl(doc.document).map((b) => ({path: b.label, capabilities: b.attributes.capabilities as Capability[]}))
    const name = readOnly ? 'app-read' : 'rotor'
    h.emulator.state.auth.addPolicy(name, rules)
    const token = h.emulator.state.auth.createToken({policies: ['default', name], ttl: 0})
    return h.open({pathPrefix: 'apps'}, {VAULT_TOKEN: token.id})
  }

  it('lets rotor create, rotate, retire and (with retire: destroy) destroy the listed secret', async () => {
    const rotor = await clientWith(false, ['svc/key'], ['svc/key'])
    const v1 = await rotor.writeVersion('svc/key', new SecretValue('first-value'), {rotationId: 'r1', stage: 'current', labels: {}})
    const v2 = await rotor.writeVersion('svc/key', new SecretValue('second-value'), {rotationId: 'r2', stage: 'current', expectedCurrent: v1.id})
    await rotor.setMeta('svc/key', {promotedAt: '2026-03-01T12:00:00Z', promotedVersion: v2.id})
    await rotor.retire('svc/key', v1.id, 'disable')
    await rotor.retire('svc/key', v1.id, 'destroy')
    const snapshot = await rotor.describe('svc/key')
    expect(snapshot.versions.map((v) => [v.id, v.role, v.destroyed])).toEqual([
      ['2', 'current', false],
      ['1', 'retired', true],
    ])
    // ...and nothing else: another key under the same prefix is out of reach.
    const other = await rotor.writeVersion('svc/other', new SecretValue('x-value'), {rotationId: 'r3', stage: 'current'}).catch((e: unknown) => e)
    expect(other).toBeInstanceOf(AuthError)
  })

  it('denies destroy to a secret that retires by disabling', async () => {
    const rotor = await clientWith(false, ['svc/key'])
    const v1 = await rotor.writeVersion('svc/key', new SecretValue('first-value'), {rotationId: 'r1', stage: 'current', labels: {}})
    await rotor.writeVersion('svc/key', new SecretValue('second-value'), {rotationId: 'r2', stage: 'current', expectedCurrent: v1.id})
    await rotor.retire('svc/key', v1.id, 'disable')
    expect(await rotor.retire('svc/key', v1.id, 'destroy').catch((e: unknown) => e)).toBeInstanceOf(AuthError)
  })

  it('lets an application read the current value and nothing more', async () => {
    const rotor = await clientWith(false, ['svc/key'])
    await rotor.writeVersion('svc/key', new SecretValue('the-value'), {rotationId: 'r1', stage: 'current', labels: {}})
    const app = await clientWith(true, ['svc/key'])
    expect((await app.readValue('svc/key', {role: 'current'})).reveal()).toBe('the-value')
    const write = await app.writeVersion('svc/key', new SecretValue('evil'), {rotationId: 'r9', stage: 'current', expectedCurrent: '1'}).catch((e: unknown) => e)
    expect(write).toBeInstanceOf(AuthError)
  })
})
