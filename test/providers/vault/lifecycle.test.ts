/**
 * The engine's whole flow on a Vault store, in process (the built-CLI e2e runs on the file
 * store), next to a file store as in ../lifecycle-suite.ts: create, a manual rotation, grace,
 * retirement, then nothing left to do. The emulator stamps versions with the runs' clock.
 */
import {expect} from 'vitest'
import {AFTER_GRACE, lifecycleSuite, SECRET_PATH} from '../lifecycle-suite.js'
import {harness} from './harness.js'

const dataPath = `secret/data/apps/prod/${SECRET_PATH}`
const metadataPath = `secret/metadata/apps/prod/${SECRET_PATH}`

lifecycleSuite({
  title: 'rotor lifecycle on a Vault store (engine in process)',
  name: 'vault',
  async start({now}) {
    const h = await harness({now})
    return {
      emulator: h,
      store: {type: 'vault', address: h.emulator.address, mount: 'secret', pathPrefix: 'apps/prod'},
      env: {VAULT_TOKEN: h.emulator.rootToken},
    }
  },
  async afterCreate({emulator: h}, {created}) {
    expect(created.cloud.versions).toMatchObject([{id: '1', role: 'current', enabled: true}])
    expect((await h.raw('GET', metadataPath)).body.data.custom_metadata['managed-by']).toBe('rotor')
  },
  afterRotate({emulator: h}, {rotated}) {
    expect(rotated.cloud.versions).toMatchObject([
      {id: '2', role: 'current', enabled: true},
      {id: '1', role: 'previous', enabled: true},
    ])
    const sent = h.emulator.calls.filter((c) => c.method === 'POST' && c.path === dataPath)
    expect(sent.map((c) => c.body.options)).toEqual([{cas: 0}, {cas: 1}])
  },
  async afterRetire({plan}, {retired}) {
    expect(retired.cloud.versions).toMatchObject([
      {id: '2', role: 'current', enabled: true},
      {id: '1', role: 'retired', enabled: false, destroyed: false},
    ])
    expect((await plan(AFTER_GRACE)).actions).toEqual([])
  },
})
