import {z} from 'zod'
import type {ProviderFactory} from '../types.js'
import {memoryRuntime} from './runtime.js'

const settings = z
  .strictObject({})
  .describe('TEST ONLY: an in-process store that holds nothing after the process exits. rotor refuses it unless ROTOR_ALLOW_MEMORY=1.')

export const memoryFactory: ProviderFactory<z.infer<typeof settings>> = {
  ...memoryRuntime,
  summary: 'in-process store, for tests only (refused unless ROTOR_ALLOW_MEMORY=1)',
  settings,
  policy: (input) => ({
    format: 'text',
    title: `Memory store ${input.storeName}`,
    document: 'An in-process store for tests: it holds nothing outside the running process, so there is nothing to grant.\n',
  }),
}

export {memoryCapabilities} from './runtime.js'
