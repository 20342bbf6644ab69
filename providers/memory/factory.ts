import {z} from 'zod'
import type {Capabilities, ProviderFactory} from '../types.js'

const settings = z.strictObject({}).describe('An in-process store; holds nothing after the process exits. For tests.')

export const memoryCapabilities: Capabilities = {
  pendingStage: true,
  disableVersion: true,
  destroyVersion: true,
  compareAndSwap: true,
  batchReadSize: 1000,
  maxValueBytes: 64 * 1024,
}

export const memoryFactory: ProviderFactory<z.infer<typeof settings>> = {
  kind: 'memory',
  summary: 'in-process store for tests',
  settings,
  capabilities: memoryCapabilities,
  policy: (input) => ({
    format: 'text',
    title: `Memory store ${input.storeName}`,
    document: 'An in-process store for tests: it holds nothing outside the running process, so there is nothing to grant.\n',
  }),
  async create(storeName, _settings, context) {
    const {MemoryStoreClient} = await import('./client.js')
    return new MemoryStoreClient(storeName, context.now)
  },
}
