import type {RotorConfig, StoreConfig} from '../../src/config/types.js'
import {UsageError} from '../../src/errors/index.js'

/** The file store a `rotor store ...` command names, or the only one; a usage error naming them otherwise. */
export function pickFileStore(config: RotorConfig, name: string | undefined, what: string): StoreConfig {
  const fileStores = Object.values(config.stores).filter((store) => store.type === 'file')
  const store = name ? config.stores[name] : fileStores.length === 1 ? fileStores[0] : undefined
  if (!store || store.type !== 'file') {
    throw new UsageError(name ? `${name} is not a file store in rotor.yaml` : `name the file store ${what}`, {
      hint: `file stores: ${fileStores.map((s) => s.name).join(', ') || 'none'}`,
    })
  }
  return store
}
