/**
 * The typed map from store kind to factory. Factories are light (a zod schema and a capability
 * table); each loads its SDK with `import()` only in `create`. This is the only place that
 * knows which kinds exist.
 */
import {awsFactory} from './aws/factory.js'
import {azureFactory} from './azure/factory.js'
import {fileFactory} from './file/factory.js'
import {gcpFactory} from './gcp/factory.js'
import {memoryFactory} from './memory/factory.js'
import type {ProviderFactory} from './types.js'
import {vaultFactory} from './vault/factory.js'

export const registry = {
  aws: awsFactory,
  azure: azureFactory,
  file: fileFactory,
  gcp: gcpFactory,
  memory: memoryFactory,
  vault: vaultFactory,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- settings types differ per kind
} as const satisfies Record<string, ProviderFactory<any>>

export type ProviderKind = keyof typeof registry

export const providerKinds = Object.keys(registry) as ProviderKind[]

export function isProviderKind(kind: string): kind is ProviderKind {
  return Object.hasOwn(registry, kind)
}

export function getFactory(kind: ProviderKind): ProviderFactory<unknown> {
  return registry[kind] as ProviderFactory<unknown>
}
