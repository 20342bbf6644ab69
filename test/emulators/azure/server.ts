/**
 * A local Azure Key Vault (secrets): node:https on 127.0.0.1 with an ephemeral port and a
 * certificate made at start, behind Key Vault's challenge authentication. A request without a
 * bearer token gets 401 with `WWW-Authenticate: Bearer authorization="<authority>/<tenant>",
 * resource="https://vault.azure.net"` (the format @azure/keyvault-common parses); after that every
 * request must carry `Authorization: Bearer <token>`. Errors are `{"error": {"code", "message",
 * "innererror": {"code"}}}` with the service's status codes. Point the real SDK at `vaultUrl` and
 * trust `ca`. See model.ts for the references followed.
 */
import {createServer, type ServerOptions} from 'node:https'
import type {IncomingMessage, ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {randomUUID} from 'node:crypto'
import {emulatorCertificate} from './certs.js'
import {Faults} from './faults.js'
import {KvFault, VaultModel} from './model.js'
import {dataActions, execute, type Operation, type Route, route} from './operations.js'

export const EMULATOR_TENANT = '00000000-0000-4000-8000-0000000000a1'
export const EMULATOR_TOKEN = 'rotor-emulator-access-token'
export const VAULT_RESOURCE = 'https://vault.azure.net'

export interface AzureEmulatorOptions {
  /** The bearer token requests must carry. */
  token?: string
  tenantId?: string
  /** Clock for created/updated/deletedDate (epoch ms). */
  now?: () => number
  seed?: number
  /** Reads answered 404 right after a recover (the SDK's recover poller waits them out). */
  recoveryLag?: number
  /** SetSecret calls answered 409 "being deleted" right after a purge. */
  purgeLag?: number
  /** Runs just before an operation is applied: the place to act as a concurrent writer. */
  beforeOperation?: (operation: Operation, name: string | undefined, body: Record<string, unknown>) => void
}

export interface AzureEmulator {
  vaultUrl: string
  /** PEM of the self-signed certificate: the CA a client must trust. */
  ca: string
  state: VaultModel
  faults: Faults
  /** Authenticated requests per operation, faulted ones included. */
  calls: Record<string, number>
  /** 401 challenges answered (requests without a bearer token). */
  challenges: number
  /** Requests refused for a wrong token. */
  rejectedTokens: number
  beforeOperation?: AzureEmulatorOptions['beforeOperation']
  close(): Promise<void>
}

export async function startAzureEmulator(options: AzureEmulatorOptions = {}): Promise<AzureEmulator> {
  const tls = await emulatorCertificate()
  const token = options.token ?? EMULATOR_TOKEN
  const tenantId = options.tenantId ?? EMULATOR_TENANT
  const state = new VaultModel({now: options.now ?? Date.now, recoveryLag: options.recoveryLag ?? 0, purgeLag: options.purgeLag ?? 0})
  const faults = new Faults(options.seed)
  const emulator = {calls: {}, challenges: 0, rejectedTokens: 0, beforeOperation: options.beforeOperation} as unknown as AzureEmulator
  const serverOptions: ServerOptions = {cert: tls.cert, key: tls.key}

  const server = createServer(serverOptions, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        send(res, 500, {error: {code: 'InternalServerError', message: `emulator bug: ${(error as Error).message}`}})
      })
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', emulator.vaultUrl)
    const authorization = String(req.headers.authorization ?? '')
    if (!authorization.startsWith('Bearer ')) {
      emulator.challenges++
      return send(res, 401, {error: {code: 'Unauthorized', message: 'AKV10000: Request is missing a Bearer or PoP token.'}}, challenge(tenantId))
    }
    if (authorization.slice('Bearer '.length) !== token) {
      emulator.rejectedTokens++
      return send(res, 401, {error: {code: 'Unauthorized', message: 'AKV10032: Invalid issuer or token.'}}, challenge(tenantId))
    }
    const found = route(req.method ?? 'GET', url.pathname)
    const operation = found?.operation ?? '(unknown)'
    emulator.calls[operation] = (emulator.calls[operation] ?? 0) + 1
    const fault = await faults.delayAndDraw(operation)
    if (fault === 'reset') {
      req.socket.destroy()
      return
    }
    if (fault === 'throttle') {
      return send(
        res,
        429,
        {error: {code: 'Throttled', message: 'Request was not processed because too many requests were received. Reason: A) Rate limit exceeded.'}},
        {'retry-after': String(faults.retryAfterSeconds)},
      )
    }
    if (fault === 'server-error') return send(res, 500, {error: {code: 'InternalServerError', message: 'The server encountered an internal error. Please retry the request.'}})
    if (fault === 'unavailable') return send(res, 503, {error: {code: 'ServiceUnavailable', message: 'The service is unavailable.'}})
    try {
      if (!found) throw new KvFault(400, 'BadParameter', `The request URI ${url.pathname} (${req.method}) is not supported by this emulator.`)
      if (!url.searchParams.get('api-version')) throw new KvFault(400, 'BadParameter', 'The api-version query parameter is required.')
      if (faults.isDenied(found.operation)) throw forbidden(found, emulator.vaultUrl)
      let body: Record<string, unknown> = {}
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8')) as Record<string, unknown>
        } catch {
          throw new KvFault(400, 'BadParameter', 'The request body is not valid JSON.')
        }
      }
      emulator.beforeOperation?.(found.operation, found.name, body)
      const reply = execute(state, found, {vaultUrl: emulator.vaultUrl, url, body})
      if (fault === 'drop-response') {
        req.socket.destroy()
        return
      }
      send(res, reply.status, reply.body)
    } catch (error) {
      if (!(error instanceof KvFault)) throw error
      send(res, error.status, {error: {code: error.code, message: error.message, ...(error.inner ? {innererror: {code: error.inner}} : {})}})
    }
  }

  // Node closes idle keep-alive sockets after 5 s; a test's long-lived SDK client that reuses one
  // at that moment sees ECONNRESET, which no real endpoint would cause. Keep them open longer.
  server.keepAliveTimeout = 120_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return Object.assign(emulator, {
    vaultUrl: `https://127.0.0.1:${port}`,
    ca: tls.cert,
    state,
    faults,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  })
}

function challenge(tenantId: string): Record<string, string> {
  return {'www-authenticate': `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="${VAULT_RESOURCE}"`}
}

/** The service's RBAC refusal: the message names the data action that no role assignment grants. */
function forbidden(r: Route, vaultUrl: string): KvFault {
  const scope = `/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rotor/providers/microsoft.keyvault/vaults/emulator${r.name ? `/secrets/${r.name}` : ''}`
  return new KvFault(
    403,
    'Forbidden',
    [
      'Caller is not authorized to perform action on resource.',
      'If role assignments, deny assignments or role definitions were changed recently, please observe propagation time.',
      'Caller: appid=00000000-0000-0000-0000-000000000001;oid=00000000-0000-0000-0000-000000000002;iss=https://sts.windows.net/emulator/',
      `Action: '${dataActions[r.operation]}'`,
      `Resource: '${scope}'`,
      'Assignment: (not found)',
      'DenyAssignmentId: null',
      'DecisionReason: null ',
      `Vault: emulator;location=${new URL(vaultUrl).host}`,
      '',
    ].join('\r\n'),
    'ForbiddenByRbac',
  )
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = body === undefined ? '' : JSON.stringify(body)
  res.writeHead(status, {
    ...(body === undefined ? {} : {'content-type': 'application/json; charset=utf-8'}),
    'content-length': Buffer.byteLength(text),
    'x-ms-request-id': randomUUID(),
    'x-ms-keyvault-service-version': 'rotor-emulator',
    ...headers,
  })
  res.end(text)
}
