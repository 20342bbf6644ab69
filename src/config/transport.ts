/**
 * Every place a config makes rotor talk plain http:// to another host: store endpoints (each
 * provider lists its own), verify URLs and webhook URLs (also those read from `urlEnv`). Loading
 * the config refuses those that are not allowed; `rotor doctor` reports them all, allowed or not.
 */
import {getFactory, isProviderKind} from '../../providers/registry.js'
import {isPlainTextRemote} from '../util/transport.js'
import type {RotorConfig} from './types.js'

export interface PlainTextUse {
  /** What uses it: `store vault (address)`, `secret api (verify.http.url)`, `webhook 1 (urlEnv HOOK_URL)`. */
  where: string
  /** Scheme and host only: the rest of a URL may hold a token. */
  url: string
  /** `allowInsecureTransport: true` says so; otherwise it is an error. */
  allowed: boolean
  store?: string
}

const origin = (url: string) => {
  const parsed = new URL(url)
  return `${parsed.protocol}//${parsed.host}`
}

export function plainTextUses(config: Pick<RotorConfig, 'stores' | 'secrets' | 'notify'>, env: NodeJS.ProcessEnv): PlainTextUse[] {
  const uses: PlainTextUse[] = []
  for (const store of Object.values(config.stores)) {
    const factory = isProviderKind(store.type) ? getFactory(store.type) : undefined
    for (const endpoint of factory?.endpoints?.(store.settings, env) ?? []) {
      if (!isPlainTextRemote(endpoint.url)) continue
      uses.push({where: `store ${store.name} (${endpoint.source})`, url: origin(endpoint.url), allowed: endpoint.allowInsecure, store: store.name})
    }
  }
  for (const secret of config.secrets) {
    const check = secret.verify && 'http' in secret.verify ? secret.verify.http : undefined
    if (check && isPlainTextRemote(check.url)) {
      uses.push({where: `secret ${secret.name} (verify.http.url)`, url: origin(check.url), allowed: check.allowInsecureTransport === true})
    }
  }
  for (const [index, hook] of (config.notify ?? []).entries()) {
    const url = hook.url ?? env[hook.urlEnv ?? '']
    if (url && isPlainTextRemote(url)) {
      const source = hook.url ? 'url' : `urlEnv ${hook.urlEnv}`
      uses.push({where: `webhook ${index + 1} (${source})`, url: origin(url), allowed: hook.allowInsecureTransport === true})
    }
  }
  return uses
}
