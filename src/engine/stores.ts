import {AsyncLocalStorage} from 'node:async_hooks'
import {resolve} from 'node:path'
import {LOCAL_QUOTAS, type Quotas, withLimits} from '../../providers/limits.js'
import {withRetries} from '../../providers/retrying.js'
import {ISSUER_CALLS, withIssuerRetries} from '../../providers/issuers/retrying.js'
import {hasRuntime, runtimes} from '../../providers/runtimes.js'
import type {DescribeManyOptions, ProviderContext, ProviderRuntime, StoreClient} from '../../providers/types.js'
import type {RotorConfig, SecretConfig} from '../config/types.js'
import type {IssuerClient} from '../../providers/issuers/types.js'
import {fromFsError, UsageError} from '../errors/index.js'
import type {RetryHooks, RetryPolicy} from '../util/retry.js'

/**
 * Opens stores on first use, so a run loads only the SDKs of the stores it touches, and wraps
 * each in the retry helper.
 */
export class StoreSet {
  private readonly open = new Map<string, Promise<StoreClient>>()
  private readonly issuers = new Map<string, Promise<IssuerClient>>()

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

  /**
   * The issuer binding of a secret that has `issuer:` (one client per secret), opened on first use.
   * The issuer registry, and each kind's client library, load only here: a run without issuers
   * never loads them.
   */
  issuer(secret: SecretConfig): Promise<IssuerClient> {
    let client = this.issuers.get(secret.name)
    if (!client) {
      client = this.createIssuer(secret)
      this.issuers.set(secret.name, client)
    }
    return client
  }

  private async createIssuer(secret: SecretConfig): Promise<IssuerClient> {
    const ref = secret.issuer
    if (!ref) throw new UsageError(`secret "${secret.name}" has no issuer`)
    const issuer = this.config.issuers?.[ref.name]
    if (!issuer) throw new UsageError(`secret "${secret.name}": unknown issuer "${ref.name}"`)
    const {isIssuerKind, getIssuerFactory} = await import('../../providers/issuers/registry.js')
    if (!isIssuerKind(issuer.type)) throw new UsageError(`issuer "${ref.name}" has unknown type "${issuer.type}"`)
    const secretValue = async (name: string) => {
      const other = this.config.secrets.find((s) => s.name === name)
      if (!other) throw new UsageError(`issuer "${ref.name}": no secret named "${name}" holds its admin credential`)
      const primary = other.targets[0]
      return (await this.get(primary.store)).readValue(primary.path, {role: 'current'})
    }
    const client = await getIssuerFactory(issuer.type).create(ref.name, issuer.settings, ref.binding, {...this.context, secretValue})
    // As for stores: the interrupt guard innermost (a call waiting for a retry stops once
    // interrupted), the retry helper around it, on this one client (an issuer's idempotency guard
    // for `issue` lives in the instance).
    return withIssuerRetries(guardIssuer(client, this.signal), this.retry?.policy, this.retry?.hooks)
  }

  async closeAll(): Promise<void> {
    const clients = await Promise.allSettled([...this.open.values()])
    await Promise.allSettled(clients.map((c) => (c.status === 'fulfilled' ? c.value.close() : undefined)))
    const issuers = await Promise.allSettled([...this.issuers.values()])
    await Promise.allSettled(issuers.map((c) => (c.status === 'fulfilled' ? c.value.close() : undefined)))
  }

  private async create(name: string): Promise<StoreClient> {
    try {
      return await this.createRaw(name)
    } catch (error) {
      throw fromFsError(error, `store "${name}":`, this.pathOf(name, error))
    }
  }

  /** Node leaves `path` off some errors (EISDIR on read); a file-backed store's own path then. */
  private pathOf(name: string, error: unknown): string | undefined {
    if ((error as {path?: string}).path) return undefined
    const path = (this.config.stores[name]?.settings as {path?: unknown} | undefined)?.path
    return typeof path === 'string' ? resolve(this.context.baseDir ?? '.', path) : undefined
  }

  /**
   * How many calls store `name` takes at once (its runtime's quotas; LOCAL_QUOTAS for an unknown
   * store). Loads the kind's runtime part only, not its SDK, and opens nothing.
   */
  async concurrencyOf(name: string): Promise<number> {
    const store = this.config.stores[name]
    if (!store || !hasRuntime(store.type)) return LOCAL_QUOTAS.concurrency
    const runtime = await runtimes[store.type]()
    return quotasOf(runtime, store.settings).concurrency
  }

  private async createRaw(name: string): Promise<StoreClient> {
    const store = this.config.stores[name]
    if (!store) throw new UsageError(`unknown store "${name}"`)
    if (!hasRuntime(store.type)) throw new UsageError(`store "${name}" has unknown type "${store.type}"`)
    // Only this kind's runtime part: its SDK loads in create(), and no settings schema at all.
    const runtime = await runtimes[store.type]()
    const client = await runtime.create(name, store.settings, this.context)
    const quotas = quotasOf(runtime, store.settings)
    // Innermost, so a call waiting for its quota or for a retry also stops once interrupted.
    const guarded = guard(name, client, this.signal, (error) => this.pathOf(name, error))
    return withRetries(withLimits(guarded, quotas), this.retry?.policy, this.retry?.hooks)
  }
}

const quotasOf = (runtime: ProviderRuntime<unknown>, settings: unknown): Quotas =>
  typeof runtime.quotas === 'function' ? runtime.quotas(settings) : (runtime.quotas ?? LOCAL_QUOTAS)

const finishingScope = new AsyncLocalStorage<true>()

/**
 * Runs the few writes that put things back after an interrupt (giving up a lease, anchoring the
 * log for changes already made): store calls inside `fn` are let through although the run was
 * interrupted. Without it a Ctrl-C left the lease on the secret for its full time.
 */
export function finishing<T>(fn: () => Promise<T>): Promise<T> {
  return finishingScope.run(true, fn)
}

/** The interrupt guard for an issuer: every call not yet started throws the abort reason (except inside `finishing`). */
export function guardIssuer(client: IssuerClient, signal: AbortSignal | undefined): IssuerClient {
  if (!signal) return client
  return new Proxy(client, {
    get(target, key) {
      const member = Reflect.get(target, key) as unknown
      if (typeof member !== 'function') return member
      if (!(ISSUER_CALLS as readonly PropertyKey[]).includes(key)) return member.bind(target)
      return (...args: unknown[]) => {
        if (signal.aborted && finishingScope.getStore() !== true) return Promise.reject(signal.reason as Error)
        return (member as (...a: unknown[]) => unknown).apply(target, args)
      }
    },
  })
}

/**
 * A bulk describe's options whose `call` (run around each of its requests: a listing page, one
 * secret's versions) first checks the signal, innermost: a request that waited for its quota or a
 * retry does not start once the run is interrupted (except inside `finishing`), and the paths it
 * was for get the abort reason as their error.
 */
function guardRequests(options: DescribeManyOptions | undefined, signal: AbortSignal): DescribeManyOptions {
  const checked = <T>(request: () => Promise<T>) => () => (signal.aborted && finishingScope.getStore() !== true ? Promise.reject(signal.reason as Error) : request())
  const outer = options?.call
  return {...options, call: outer ? (request) => outer(checked(request)) : (request) => checked(request)()}
}

/**
 * Every method but close() first checks the signal (except inside `finishing`) (a call already running is left to finish),
 * and a raw file-system error from a store (a file store's EACCES, EISDIR) leaves it as a
 * FileSystemError naming the path, with a hint.
 */
function guard(storeName: string, client: StoreClient, signal: AbortSignal | undefined, pathOf: (error: unknown) => string | undefined): StoreClient {
  return new Proxy(client, {
    get(target, key, receiver) {
      const member = Reflect.get(target, key, receiver) as unknown
      if (typeof member !== 'function') return member
      if (key === 'close' || key === 'constructor') return member.bind(target)
      return async (...args: unknown[]) => {
        if (signal?.aborted && finishingScope.getStore() !== true) throw signal.reason
        // A bulk describe is many requests: each one not yet started stops once interrupted.
        if (key === 'describeMany' && signal) args = [args[0], guardRequests(args[1] as DescribeManyOptions | undefined, signal)]
        try {
          return await (member as (...a: unknown[]) => unknown).apply(target, args)
        } catch (error) {
          throw fromFsError(error, `store "${storeName}":`, pathOf(error))
        }
      }
    },
  })
}
