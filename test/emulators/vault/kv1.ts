/** KV version 1 (no history), and the folder listing both versions share. */
import {data, errors, noContent, notFound, type Reply} from './reply.js'
import type {KvRequest} from './kv.js'

export function listKeys(keys: Iterable<string>, folder: string): string[] | undefined {
  const prefix = folder === '' || folder.endsWith('/') ? folder : `${folder}/`
  const found = new Set<string>()
  for (const key of keys) {
    if (!key.startsWith(prefix)) continue
    const rest = key.slice(prefix.length)
    const slash = rest.indexOf('/')
    found.add(slash === -1 ? rest : rest.slice(0, slash + 1))
  }
  return found.size === 0 ? undefined : [...found].sort()
}

/** KV version 1: one value per key, no history. */
export class KvV1Mount {
  readonly version = 1
  readonly keys = new Map<string, Record<string, unknown>>()

  keyExists(subpath: string): boolean {
    return this.keys.has(subpath)
  }

  handle(request: KvRequest): Reply {
    const key = request.subpath
    switch (request.method) {
      case 'GET': {
        const value = this.keys.get(key)
        return value ? data(value) : notFound()
      }
      case 'POST':
      case 'PUT':
        this.keys.set(key, {...request.body})
        return noContent()
      case 'DELETE':
        this.keys.delete(key)
        return noContent()
      case 'LIST': {
        const keys = listKeys(this.keys.keys(), key)
        return keys ? data({keys}) : notFound()
      }
      default:
        return errors(405, ['unsupported operation'])
    }
  }
}
