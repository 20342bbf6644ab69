/**
 * `rotor policy`: the least-privilege access for exactly the configured secrets, store by store.
 * Each provider owns its generator (`ProviderFactory.policy`); this file only groups the paths.
 */
import type {RotorConfig, SecretConfig} from '../config/types.js'
import {UsageError} from '../errors/index.js'
import type {PolicyDocument} from '../../providers/types.js'


export interface StorePolicy {
  store: string
  type: string
  secrets: string[]
  readOnly: boolean
  /** Absent when the provider has no policy generator. */
  policy?: PolicyDocument
  detail?: string
}

export interface PolicyOptions {
  store?: string
  readOnly: boolean
}

export async function storePolicies(config: RotorConfig, secrets: SecretConfig[], options: PolicyOptions): Promise<StorePolicy[]> {
  if (options.store !== undefined && !config.stores[options.store]) {
    throw new UsageError(`--store: no store named "${options.store}"`, {hint: `stores: ${Object.keys(config.stores).join(', ')}`})
  }
  const {getFactory, isProviderKind} = await import('../../providers/registry.js')
  const names = options.store ? [options.store] : Object.keys(config.stores)
  return names.map((name): StorePolicy => {
    const store = config.stores[name]
    const using = secrets.filter((s) => s.targets.some((t) => t.store === name))
    const pathsOf = (list: SecretConfig[]) => list.flatMap((s) => s.targets.filter((t) => t.store === name).map((t) => t.path))
    const paths = pathsOf(using)
    const destroyPaths = pathsOf(using.filter((s) => s.retire === 'destroy'))
    const base = {store: name, type: store.type, secrets: using.map((s) => s.name), readOnly: options.readOnly}
    const factory = isProviderKind(store.type) ? getFactory(store.type) : undefined
    if (!factory?.policy) return {...base, detail: `the ${store.type} provider cannot generate a policy yet`}
    if (paths.length === 0) return {...base, detail: 'no selected secret uses this store: nothing to grant'}
    return {...base, policy: factory.policy({storeName: name, settings: store.settings, paths, destroyPaths, readOnly: options.readOnly})}
  })
}
