/**
 * What a run loads to open a store: each kind's runtime part, imported on first use. Unlike the
 * registry (providers/registry.ts, used to validate the config), it pulls in no settings schema
 * and no zod, which keeps a command that only reads stores quick to start.
 */
import type {ProviderKind} from './registry.js'
import type {ProviderRuntime} from './types.js'

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- settings types differ per kind
export const runtimes: {[K in ProviderKind]: () => Promise<ProviderRuntime<any>>} = {
  aws: async () => (await import('./aws/runtime.js')).awsRuntime,
  azure: async () => (await import('./azure/runtime.js')).azureRuntime,
  file: async () => (await import('./file/runtime.js')).fileRuntime,
  gcp: async () => (await import('./gcp/runtime.js')).gcpRuntime,
  memory: async () => (await import('./memory/runtime.js')).memoryRuntime,
  vault: async () => (await import('./vault/runtime.js')).vaultRuntime,
}

export function hasRuntime(kind: string): kind is ProviderKind {
  return Object.hasOwn(runtimes, kind)
}
