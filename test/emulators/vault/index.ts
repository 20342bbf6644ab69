/**
 * A wire-level HashiCorp Vault emulator for tests: node:http on 127.0.0.1 with an ephemeral
 * port, speaking the HTTP API that node-vault calls. It follows the Vault API reference
 * (developer.hashicorp.com/vault/api-docs: secret/kv/kv-v2, system/health, system/mounts,
 * system/capabilities-self, auth/token, auth/approle, auth/kubernetes) and the KV plugin source
 * (see kv.ts). What it serves:
 * - `X-Vault-Token` on every request but health and logins: a missing, unknown or expired token
 *   is a 403 "permission denied" + "invalid token"; a policy that lacks the capability is a 403
 *   "permission denied". POST is `create` on an absent KV key and `update` on an existing one.
 * - `X-Vault-Namespace`: each namespace has its own mounts and data.
 * - sealed mode: every call but sys/health answers 503 "Vault is sealed".
 * - LIST arrives as `GET ...?list=true`: Node's HTTP parser rejects the LIST verb, so clients
 *   must use node-vault's `noCustomHTTPVerbs` (real Vault accepts both).
 * - faults (faults.ts), a `beforeHandle` hook to interleave another writer, and a call log.
 */
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {AuthState, type Capability, type TokenRecord} from './auth.js'
import {Faults} from './faults.js'
import {KvV1Mount, KvV2Mount, type KvMountOptions} from './kv.js'
import {data, errors, invalidToken, permissionDenied, type Reply} from './reply.js'

export type {KvMountOptions} from './kv.js'
export type {PolicyRule, TokenSpec} from './auth.js'

export interface VaultEmulatorOptions {
  /** Clock for version timestamps, deletion times and token TTLs. */
  now?: () => Date
  rootToken?: string
  /** Mounts of the root namespace; default `{secret: {version: 2}}`. */
  mounts?: Record<string, KvMountOptions>
  /** Other namespaces and their mounts. */
  namespaces?: Record<string, Record<string, KvMountOptions>>
  seed?: number
}

export interface Call {
  method: string
  path: string
  namespace: string
  query: Record<string, string>
  body: Record<string, unknown>
  status?: number
  /** Served, but the response was dropped (a `lost` fault). */
  dropped?: boolean
}

type Mount = KvV1Mount | KvV2Mount

export class VaultState {
  sealed = false
  readonly auth: AuthState
  readonly namespaces = new Map<string, Map<string, Mount>>()
  /** Runs before a request is served (after faults); tests use it to slip in another writer. */
  beforeHandle?: (call: Call) => void | Promise<void>

  constructor(readonly now: () => Date) {
    this.auth = new AuthState(now)
  }

  addMount(name: string, options: KvMountOptions, namespace = ''): void {
    const mounts = this.namespaces.get(namespace) ?? new Map<string, Mount>()
    mounts.set(name, options.version === 1 ? new KvV1Mount() : new KvV2Mount(this.now, options))
    this.namespaces.set(namespace, mounts)
  }

  /** The KV v2 engine at a mount, for tests that seed or inspect data directly. */
  kv(name: string, namespace = ''): KvV2Mount {
    const mount = this.namespaces.get(namespace)?.get(name)
    if (!(mount instanceof KvV2Mount)) throw new Error(`no KV v2 mount ${name} in namespace "${namespace}"`)
    return mount
  }
}

export interface VaultEmulator {
  address: string
  rootToken: string
  state: VaultState
  faults: Faults
  calls: Call[]
  close(): Promise<void>
}

export async function startVaultEmulator(options: VaultEmulatorOptions = {}): Promise<VaultEmulator> {
  const now = options.now ?? (() => new Date())
  const state = new VaultState(now)
  const rootToken = options.rootToken ?? 'root'
  state.auth.createToken({id: rootToken, policies: ['root'], ttl: 0, renewable: false, displayName: 'root'})
  for (const [name, mount] of Object.entries(options.mounts ?? {secret: {version: 2}})) state.addMount(name, mount)
  for (const [ns, mounts] of Object.entries(options.namespaces ?? {})) {
    state.namespaces.set(ns, new Map())
    for (const [name, mount] of Object.entries(mounts)) state.addMount(name, mount, ns)
  }
  const faults = new Faults(options.seed ?? 1)
  const calls: Call[] = []

  const server = createServer((req, res) => {
    serve(req, res, state, faults, calls).catch((error: unknown) => {
      send(res, {status: 500, body: {errors: [String(error)]}})
    })
  })
  // Node closes idle keep-alive sockets after 5 s; a test's long-lived SDK client that reuses one
  // at that moment sees ECONNRESET, which no real endpoint would cause. Keep them open longer.
  server.keepAliveTimeout = 120_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return {
    address: `http://127.0.0.1:${port}`,
    rootToken,
    state,
    faults,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function serve(req: IncomingMessage, res: ServerResponse, state: VaultState, faults: Faults, calls: Call[]) {
  const url = new URL(req.url ?? '/', 'http://vault')
  const raw = await readBody(req)
  let body: Record<string, unknown> = {}
  if (raw.length > 0) {
    try {
      body = JSON.parse(raw) as Record<string, unknown>
    } catch {
      return send(res, errors(400, ['failed to parse JSON input']))
    }
  }
  const path = decodeURIComponent(url.pathname.replace(/^\/v1\//, ''))
  const list = req.method === 'LIST' || (req.method === 'GET' && ['true', '1'].includes(url.searchParams.get('list') ?? ''))
  const call: Call = {
    method: list ? 'LIST' : (req.method ?? 'GET'),
    path,
    namespace: String(req.headers['x-vault-namespace'] ?? '').replace(/^\/+|\/+$/g, ''),
    query: Object.fromEntries(url.searchParams),
    body,
  }
  calls.push(call)
  if (faults.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, faults.latencyMs))
  const fault = faults.pick(call.method, path)
  if (fault?.kind === 'reset') {
    req.socket.destroy()
    return
  }
  if (fault?.kind === 'reply') {
    call.status = fault.status
    return send(res, errors(fault.status, fault.errors, fault.headers))
  }
  await state.beforeHandle?.(call)
  const reply = route(call, req, url, state)
  call.status = reply.status
  if (fault?.kind === 'reset-after') {
    call.dropped = true
    req.socket.destroy()
    return
  }
  send(res, reply)
}

function route(call: Call, req: IncomingMessage, url: URL, state: VaultState): Reply {
  const {path, method, body} = call
  if (path === 'sys/health') return health(state)
  if (state.sealed) return errors(503, ['Vault is sealed'])
  const login = /^auth\/(.+)\/login$/.exec(path)
  if (login && method === 'POST') {
    if (state.auth.approle.has(login[1])) return state.auth.approleLogin(login[1], body)
    if (state.auth.kubernetes.has(login[1])) return state.auth.kubernetesLogin(login[1], body)
    return errors(400, [`no handler for route "${path}". route entry not found.`])
  }
  const token = state.auth.resolve(header(req, 'x-vault-token'))
  if (!token) return invalidToken()
  const mounts = state.namespaces.get(call.namespace)
  if (!mounts) return errors(404, [`no handler for route "${call.namespace}/${path}". route entry not found.`])

  if (path === 'auth/token/lookup-self') return state.auth.lookupSelf(token)
  if (path === 'auth/token/renew-self' && method === 'POST') return state.auth.renewSelf(token, body)
  if (path === 'sys/capabilities-self') return capabilitiesSelf(state, token, body)
  if (path === 'sys/mounts' && method === 'GET') {
    if (!state.auth.allowed(token, 'sys/mounts', 'read')) return permissionDenied()
    const listing = Object.fromEntries([...mounts].map(([name, mount]) => [`${name}/`, describeMount(name, mount)]))
    return {status: 200, body: {...listing, data: listing}}
  }
  const uiMount = /^sys\/internal\/ui\/mounts\/(.+)$/.exec(path)
  if (uiMount) {
    const found = findMount(mounts, uiMount[1])
    // Vault answers an unknown mount like a forbidden one, so the endpoint cannot probe for mounts.
    if (!found || !state.auth.hasMountAccess(token, `${found.name}/`)) {
      return errors(403, [`preflight capability check returned 403, please ensure client's policies grant access to path "${uiMount[1]}/"`])
    }
    return data(describeMount(found.name, found.mount))
  }

  const found = findMount(mounts, path)
  if (!found) return errors(404, [`no handler for route "${path}". route entry not found.`])
  const subpath = path.slice(found.name.length + 1)
  const aclPath = method === 'LIST' && !path.endsWith('/') ? `${path}/` : path
  if (!state.auth.allowed(token, aclPath, capabilityFor(method, found.mount, subpath))) return permissionDenied()
  return found.mount.handle({
    method,
    subpath: method === 'LIST' ? subpath.replace(/\/?$/, '/') : subpath,
    query: url.searchParams,
    body,
    contentType: header(req, 'content-type') ?? '',
  })
}

function capabilityFor(method: string, mount: Mount, subpath: string): Capability {
  switch (method) {
    case 'GET':
      return 'read'
    case 'LIST':
      return 'list'
    case 'PATCH':
      return 'patch'
    case 'DELETE':
      return 'delete'
    default:
      return mount.keyExists(subpath) ? 'update' : 'create'
  }
}

function health(state: VaultState): Reply {
  const body = {
    initialized: true,
    sealed: state.sealed,
    standby: false,
    performance_standby: false,
    server_time_utc: Math.floor(state.now().getTime() / 1000),
    version: '1.15.6-emulated',
    cluster_name: 'vault-emulator',
  }
  return {status: state.sealed ? 503 : 200, body}
}

function capabilitiesSelf(state: VaultState, token: TokenRecord, body: Record<string, unknown>): Reply {
  const paths = Array.isArray(body.paths) ? body.paths.map(String) : typeof body.path === 'string' ? [body.path] : []
  if (paths.length === 0) return errors(400, ['"paths" must be provided'])
  const result: Record<string, string[]> = {}
  for (const p of paths) result[p] = state.auth.capabilities(token, p.replace(/^\/+/, ''))
  if (paths.length === 1) result.capabilities = result[paths[0]]
  return {status: 200, body: {...result, data: result}}
}

function findMount(mounts: Map<string, Mount>, path: string): {name: string; mount: Mount} | undefined {
  const candidates = [...mounts.keys()].filter((name) => path === name || path.startsWith(`${name}/`))
  const name = candidates.sort((a, b) => b.length - a.length)[0]
  return name === undefined ? undefined : {name, mount: mounts.get(name)!}
}

function describeMount(name: string, mount: Mount) {
  return {
    type: 'kv',
    path: `${name}/`,
    description: '',
    accessor: `kv_${name.replace(/\W/g, '')}`,
    // `vault secrets enable kv` leaves options unset for version 1; kv-v2 sets version "2".
    options: mount.version === 2 ? {version: '2'} : null,
    config: {default_lease_ttl: 0, max_lease_ttl: 0, force_no_cache: false},
    local: false,
    seal_wrap: false,
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function send(res: ServerResponse, reply: Reply): void {
  if (res.headersSent || res.destroyed) return
  const headers: Record<string, string> = {'cache-control': 'no-store', ...reply.headers}
  if (reply.body === undefined) {
    res.writeHead(reply.status, headers).end()
    return
  }
  res.writeHead(reply.status, {...headers, 'content-type': 'application/json'}).end(JSON.stringify(reply.body))
}
