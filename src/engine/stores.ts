import {LOCAL_QUOTAS, withLimits} from '../../providers/limits.js'
import {withRetries} from '../../providers/retrying.js'
import {hasRuntime, runtimes} from '../../providers/runtimes.js'
import type {ProviderContext, StoreClient} from '../../providers/types.js'
import type {RotorConfig} from '../config/types.js'
import {UsageError} from '../errors/index.js'
import type {RetryHooks, RetryPolicy} from '../util/retry.js'

/**
 * Opens stores on first use, so a run loads only the SDKs of the stores it touches, and wraps
 * each in the retry helper.
 */
export class StoreSet {
  private readonly open = new Map<string, Promise<StoreClient>>()

  constructor(
    private readonly config: RotorConfig,
    private readonly context: ProviderContext,
    private readonly retry?: {policy?: RetryPolicy; hooks?: RetryHooks},
    /** Once aborted (SIGINT/SIGTERM), every store call not yet started throws the abort reason. */
    readonly signal?: AbortSignal,
  ) {}

  get(name: string): Promise<StoreClient> {
    let client = this.open.get(name)
    if (!client) {
      client = this.create(name)
      this.open.set(name, client)
    }
    return client
  }

  async closeAll(): Promise<void> {
    const clients = await Promise.allSettled(this.open.values())
    await Promise.allSettled(clients.map((c) => (c.status === 'fulfilled' ? c.value.close() : undefined)))
  }

  private async create(name: string): Promise<StoreClient> {
    const store = this.config.stores[name]
    if (!store) throw new UsageError(`unknown store "${name}"`)
    if (!hasRuntime(store.type)) throw new UsageError(`store "${name}" has unknown type "${store.type}"`)
    // Only this kind's runtime part: its SDK loads in create(), and no settings schema at all.
    const runtime = await runtimes[store.type]()
    const client = await runtime.create(name, store.settings, this.context)
    const quotas = typeof runtime.quotas === 'function' ? runtime.quotas(store.settings) : (runtime.quotas ?? LOCAL_QUOTAS)
    // Innermost, so a call waiting for its quota or for a retry also stops once interrupted.
    const guarded = this.signal ? stopWhenAborted(client, this.signal) : client
    return withRetries(withLimits(guarded, quotas), this.retry?.policy, this.retry?.hooks)
  }
}

/** Every method but close() first checks the signal; a call already running is left to finish. */
function stopWhenAborted(client: StoreClient, signal: AbortSignal): StoreClient {
  return new Proxy(client, {
    get(target, key, receiver) {
      const member = Reflect.get(target, key, receiver) as unknown
      if (typeof member !== 'function' || key === 'close') return typeof member === 'function' ? member.bind(target) : member
      return (...args: unknown[]) => {
        if (signal.aborted) return Promise.reject(signal.reason)
        return (member as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}
