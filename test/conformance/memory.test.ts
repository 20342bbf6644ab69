import {memoryFactory} from '../../providers/memory/factory.js'
import type {MemoryStoreClient} from '../../providers/memory/client.js'
import {runConformance} from './suite.js'

runConformance('memory', memoryFactory.capabilities, async () => {
  const client = (await memoryFactory.create('mem', {}, {baseDir: process.cwd(), env: {}, now: () => new Date()})) as MemoryStoreClient
  return {
    client,
    putForeign: async (path, value) => client.model.putForeign(path, value),
    close: () => client.close(),
  }
})
