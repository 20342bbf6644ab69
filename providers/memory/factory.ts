import {z} from 'zod'
import type {ProviderFactory} from '../types.js'
import {memoryRuntime} from './runtime.js'

const settings = z.strictObject({}).describe('An in-process store; holds nothing after the process exits. For tests.')

export const memoryFactory: ProviderFactory<z.infer<typeof settings>> = {
  ...memoryRuntime,
  summary: 'in-process store for tests',
  settings,
  policy: (input) => ({
    format: 'text',
    title: `Memory store ${input.storeName}`,
    document: 'An in-process store for tests: it holds nothing outside the running process, so there is nothing to grant.\n',
  }),
}

export {memoryCapabilities} from './runtime.js'
