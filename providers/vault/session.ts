/**
 * One authenticated node-vault client: login (token, AppRole, Kubernetes), the token-TTL guard
 * before writes, the KV-version check of the mount, and error translation around every call.
 * node-vault has no retries of its own; the engine's retry helper is the only one.
 */
import {readFile} from 'node:fs/promises'
import {resolve} from 'node:path'
import nodeVault from 'node-vault'
import {AuthError, InvalidRequestError, isRetryable, NotFoundError, RotorError} from '../../src/errors/index.js'
import {ExitCode} from '../../src/exit-codes.js'
import {insecureTransportMessage, isPlainTextRemote} from '../../src/util/transport.js'
import type {ProviderContext} from '../types.js'
import {type Operation, statusOf, translate} from './errors.js'
import type {VaultSettings} from './factory.js'
import {proxyConfigured, vaultTransport} from './transport.js'

/** Renew when less than this is left, or less than a third of the token's TTL. */
const RENEW_BELOW_MS = 5 * 60_000
/** A token that cannot be renewed and has less than this left is not used to start writing. */
const MIN_REMAINING_MS = 60_000

export interface TokenState {
  /** Epoch ms; null when the token never expires (root, or ttl 0). */
  expiresAt: number | null
  creationTtlSeconds: number
  renewable: boolean
}

type Client = Omit<nodeVault.client, 'token'> & {namespace?: string; pathPrefix: string; token: string | undefined}

export class VaultSession {
  readonly vault: Client
  private token?: TokenState
  private mountCheck?: Promise<void>

  constructor(
    readonly storeName: string,
    readonly settings: VaultSettings,
    readonly address: string,
    private readonly context: ProviderContext,
    ca?: Buffer,
  ) {
    this.vault = nodeVault({
      apiVersion: 'v1',
      endpoint: address,
      // node-vault's debug output (DEBUG=node-vault) prints request bodies, i.e. secret values.
      debug: () => {},
      // LIST is sent as GET ?list=1: proxies and Node's own HTTP stack reject unknown verbs.
      noCustomHTTPVerbs: true,
      requestOptions: {timeout: settings.timeoutSeconds * 1000, ...(ca ? {ca} : {})},
      // Explicit, so VAULT_SKIP_VERIFY in the process environment cannot switch verification off.
      rpDefaults: {strictSSL: !settings.tls.insecureSkipVerify},
      // A lean node:http transport (transport.ts) unless a proxy is configured, which only
      // node-vault's default axios stack honours.
      ...(proxyConfigured() ? {} : {'request-promise': vaultTransport()}),
    } as nodeVault.VaultOptions) as Client
    // node-vault falls back to process.env for these; rotor takes them from the context only.
    this.vault.namespace = settings.namespace ?? context.env.VAULT_NAMESPACE
    this.vault.pathPrefix = ''
    this.vault.token = undefined
  }

  static async open(storeName: string, settings: VaultSettings, context: ProviderContext): Promise<VaultSession> {
    const address = settings.address ?? context.env.VAULT_ADDR
    if (!address) {
      throw new InvalidRequestError(`store ${storeName}: no Vault address`, {
        store: storeName,
        hint: 'set `address` in the store settings or VAULT_ADDR in the environment',
      })
    }
    // An `address` in the config was checked when it was loaded; VAULT_ADDR is checked here.
    if (settings.address === undefined && !settings.allowInsecureTransport && isPlainTextRemote(address)) {
      throw new RotorError(`store ${storeName}: ${insecureTransportMessage('VAULT_ADDR', address)}`, {
        store: storeName,
        exitCode: ExitCode.CONFIG_INVALID,
        hint: `set VAULT_ADDR to an https:// address, or allowInsecureTransport: true in store ${storeName}`,
      })
    }
    if (settings.tls.insecureSkipVerify) {
      const warning = `store ${storeName}: TLS certificate verification of ${address} is OFF (tls.insecureSkipVerify)`
      if (context.warn) context.warn(warning)
      else process.emitWarning(warning, {code: 'ROTOR_VAULT_INSECURE_TLS'})
    }
    const ca = settings.tls.caFile ? await readFile(resolve(context.baseDir, settings.tls.caFile)) : undefined
    return new VaultSession(storeName, settings, address.replace(/\/+$/, ''), context, ca)
  }

  get now(): () => Date {
    return this.context.now
  }

  /** Run one node-vault call with a token in place, translating its failure. */
  async call<T>(op: Operation, fn: (vault: Client) => Promise<T>): Promise<T> {
    await this.ensureLoggedIn()
    try {
      return await fn(this.vault)
    } catch (error) {
      throw translate(error, op)
    }
  }

  /** Like `call`, but a 404 is `undefined` instead of an error. */
  async callOptional<T>(op: Operation, fn: (vault: Client) => Promise<T>): Promise<T | undefined> {
    await this.ensureLoggedIn()
    try {
      return await fn(this.vault)
    } catch (error) {
      if (statusOf(error) === 404) return undefined
      throw translate(error, op)
    }
  }

  /** The checks every mutation needs first: a KV v2 mount and a token that will last. */
  async prepareWrite(): Promise<void> {
    await this.ensureKvV2()
    await this.ensureTokenLasts()
  }

  ensureKvV2(): Promise<void> {
    this.mountCheck ??= this.checkMount().catch((error: unknown) => {
      this.mountCheck = undefined
      throw error
    })
    return this.mountCheck
  }

  /** What lookup-self says about the token now (for doctor and the TTL guard). */
  async lookupToken(): Promise<TokenState> {
    const op = this.op('auth/token/lookup-self', 'read')
    const result = (await this.call(op, (v) => v.tokenLookupSelf())) as {data: {ttl: number; creation_ttl: number; renewable: boolean}}
    const {ttl, creation_ttl: creationTtl, renewable} = result.data
    this.token = {
      expiresAt: ttl > 0 ? this.now().getTime() + ttl * 1000 : null,
      creationTtlSeconds: creationTtl,
      renewable: Boolean(renewable),
    }
    return this.token
  }

  /**
   * Before a write: renew a token that is close to expiry (or log in again with AppRole or
   * Kubernetes), and refuse to start with one that will expire and cannot be renewed. Checked
   * lazily, so no timer keeps the process alive.
   */
  async ensureTokenLasts(): Promise<void> {
    const token = this.token ?? (await this.lookupToken())
    if (token.expiresAt === null) return
    if (this.remaining(token) >= this.renewBelow(token)) return
    if (token.renewable) {
      await this.renew(token).catch((error: unknown) => {
        if (isRetryable(error)) throw error
        // Vault refused the renewal (not renewable after all, or past its max TTL).
        this.token = {...token, renewable: false}
      })
    }
    if (this.remaining(this.token!) < this.renewBelow(this.token!) && this.settings.auth.method !== 'token') {
      this.vault.token = undefined
      await this.ensureLoggedIn()
    }
    const left = this.remaining(this.token!)
    if (left < MIN_REMAINING_MS) {
      throw new AuthError(`the Vault token of store ${this.storeName} expires in ${Math.max(0, Math.floor(left / 1000))}s and cannot be renewed`, {
        store: this.storeName,
        hint: 'use a renewable token, or one with a longer TTL (or AppRole / Kubernetes login, which rotor repeats itself)',
      })
    }
  }

  private remaining(token: TokenState): number {
    return token.expiresAt === null ? Number.POSITIVE_INFINITY : token.expiresAt - this.now().getTime()
  }

  private renewBelow(token: TokenState): number {
    return Math.max(RENEW_BELOW_MS, (token.creationTtlSeconds * 1000) / 3)
  }

  private async renew(token: TokenState): Promise<void> {
    const op = this.op('auth/token/renew-self', 'update')
    const args = token.creationTtlSeconds > 0 ? {increment: token.creationTtlSeconds} : {}
    const result = (await this.call(op, (v) => v.tokenRenewSelf(args))) as {auth: {lease_duration: number; renewable: boolean}}
    this.token = {
      expiresAt: this.now().getTime() + result.auth.lease_duration * 1000,
      creationTtlSeconds: token.creationTtlSeconds,
      renewable: Boolean(result.auth.renewable),
    }
  }

  private async ensureLoggedIn(): Promise<void> {
    if (this.vault.token) return
    const auth = this.settings.auth
    if (auth.method === 'token') {
      const token = this.context.env[auth.tokenEnv]
      if (!token) {
        throw new AuthError(`store ${this.storeName}: ${auth.tokenEnv} is not set`, {
          store: this.storeName,
          hint: `export ${auth.tokenEnv} with a Vault token, or configure AppRole / Kubernetes auth`,
        })
      }
      this.vault.token = token
      return
    }
    const result =
      auth.method === 'approle' ? await this.approleLogin(auth) : await this.kubernetesLogin(auth)
    this.vault.token = result.auth.client_token
    this.token = {
      expiresAt: result.auth.lease_duration > 0 ? this.now().getTime() + result.auth.lease_duration * 1000 : null,
      creationTtlSeconds: result.auth.lease_duration,
      renewable: Boolean(result.auth.renewable),
    }
  }

  private async approleLogin(auth: Extract<VaultSettings['auth'], {method: 'approle'}>): Promise<LoginResult> {
    const secretId = this.context.env[auth.secretIdEnv]
    if (!secretId) {
      throw new AuthError(`store ${this.storeName}: ${auth.secretIdEnv} (the AppRole secret_id) is not set`, {
        store: this.storeName,
        hint: `export ${auth.secretIdEnv} with a secret_id of the role`,
      })
    }
    return this.login(`auth/${auth.mount}/login`, () =>
      this.vault.approleLogin({role_id: auth.roleId, secret_id: secretId, mount_point: auth.mount}),
    )
  }

  private async kubernetesLogin(auth: Extract<VaultSettings['auth'], {method: 'kubernetes'}>): Promise<LoginResult> {
    let jwt: string
    try {
      jwt = (await readFile(resolve(this.context.baseDir, auth.tokenPath), 'utf8')).trim()
    } catch (error) {
      throw new AuthError(`store ${this.storeName}: cannot read the service-account token at ${auth.tokenPath}`, {
        store: this.storeName,
        cause: error,
        hint: 'run rotor in a pod with a mounted service-account token, or set auth.tokenPath',
      })
    }
    // node-vault builds /auth//login unless mount_point is given (field-lessons.md).
    return this.login(`auth/${auth.mount}/login`, () => this.vault.kubernetesLogin({role: auth.role, jwt, mount_point: auth.mount}))
  }

  private async login(apiPath: string, fn: () => Promise<unknown>): Promise<LoginResult> {
    try {
      return (await fn()) as LoginResult
    } catch (error) {
      const translated = translate(error, this.op(apiPath, 'update'))
      const status = statusOf(error)
      if (status === 400 || status === 403) {
        throw new AuthError(`store ${this.storeName}: Vault refused the login at ${apiPath}: ${translated.message}`, {
          store: this.storeName,
          // Not the raw error: its request config holds the secret_id or JWT.
          cause: translated,
          hint: 'check the role and its credentials (role_id / secret_id, or the Kubernetes role binding)',
        })
      }
      throw translated
    }
  }

  private async checkMount(): Promise<void> {
    const {mount} = this.settings
    const preflight = `sys/internal/ui/mounts/${mount}`
    // The same preflight `vault kv` makes; it needs no policy beyond access to the mount.
    const info = (await this.callOptional(this.op(preflight, 'read'), (v) => v.read(preflight)).catch((error: unknown) => {
      // Vault answers "no such mount" and "no access to it" alike here, on purpose.
      if (error instanceof AuthError && error.message.includes('lacks')) {
        throw new AuthError(`store ${this.storeName}: no KV mount at ${mount}/ that this token can use`, {
          store: this.storeName,
          cause: error,
          hint: `check \`mount\` (is a kv-v2 engine enabled at ${mount}/?) and that the token's policy grants paths under ${mount}/`,
        })
      }
      throw error
    })) as {data?: MountInfo} | undefined
    let entry = info?.data
    if (!entry) {
      // Older Vault without the preflight endpoint: ask sys/mounts (needs `read` on it).
      const mounts = (await this.call(this.op('sys/mounts', 'read'), (v) => v.read('sys/mounts'))) as {data?: Record<string, MountInfo>}
      entry = (mounts.data ?? (mounts as Record<string, MountInfo>))[`${mount}/`]
    }
    if (!entry) {
      throw new NotFoundError(`store ${this.storeName}: no secrets engine is mounted at ${mount}/`, {
        store: this.storeName,
        hint: `enable one: vault secrets enable -path=${mount} kv-v2`,
      })
    }
    const version = entry.options?.version ?? '1'
    if (entry.type !== 'kv' || version !== '2') {
      const what = entry.type === 'kv' ? `KV version ${version}` : `a ${entry.type} engine`
      throw new InvalidRequestError(`store ${this.storeName}: ${mount}/ is ${what}; rotor needs KV version 2 (versions, cas, soft delete)`, {
        store: this.storeName,
        hint:
          entry.type === 'kv'
            ? `upgrade it in place with \`vault kv enable-versioning ${mount}\`, or point \`mount\` at a kv-v2 engine`
            : `point \`mount\` at a kv-v2 engine (vault secrets enable -path=<path> kv-v2)`,
      })
    }
  }

  op(apiPath: string, capability: string, path?: string): Operation {
    return {store: this.storeName, ref: path === undefined ? this.storeName : `${this.storeName}:${path}`, apiPath, capability}
  }
}

interface MountInfo {
  type: string
  options?: {version?: string} | null
}

interface LoginResult {
  auth: {client_token: string; lease_duration: number; renewable: boolean}
}
