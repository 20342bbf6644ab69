import {vaultFactory} from '../../providers/vault/factory.js'
import {harness} from '../providers/vault/harness.js'
import {runConformance} from './suite.js'

runConformance('vault', vaultFactory.capabilities, async () => {
  const h = await harness()
  const client = await h.open()
  return {
    client,
    putForeign: async (path, value) => {
      const written = await h.raw('POST', `secret/data/${path}`, {data: {value}})
      if (written.status !== 200) throw new Error(`seeding ${path} failed: ${written.status}`)
    },
    close: async () => {
      await client.close()
      await h.close()
    },
  }
})
