/**
 * A local AWS Secrets Manager: node:http on 127.0.0.1 with an ephemeral port, speaking the
 * JSON 1.1 protocol (`POST /`, `X-Amz-Target: secretsmanager.<Operation>`, content type
 * `application/x-amz-json-1.1`, errors as `{"__type", "Message"}` with HTTP 400 or 5xx), behind a
 * SigV4 check. Point the real SDK at `endpoint`. See model.ts for the references followed.
 */
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'
import {randomUUID} from 'node:crypto'
import {checkSignature, type EmuCredentials} from './auth.js'
import {Faults} from './faults.js'
import {AwsFault, SecretsModel} from './model.js'
import {operations, type OperationContext} from './operations.js'

export interface AwsEmulatorOptions {
  region?: string
  accountId?: string
  /** When given, signatures are verified against these keys; otherwise any well-formed header passes. */
  credentials?: EmuCredentials[]
  /** Clock for CreatedDate, DeletedDate and version pruning (epoch ms). */
  now?: () => number
  /** Seed for fault rates, so a run can be replayed. */
  seed?: number
  /** Versions per secret before PutSecretValue fails with LimitExceededException (AWS: 100). */
  maxVersions?: number
  /** Runs just before an operation is applied: the place to act as a concurrent writer. */
  beforeOperation?: (operation: string, body: Record<string, unknown>) => void
}

/** Operations that change the store: the request-level kill matrix counts these. */
export const MUTATING_OPERATIONS: ReadonlySet<string> = new Set([
  'CreateSecret',
  'PutSecretValue',
  'UpdateSecretVersionStage',
  'TagResource',
  'UntagResource',
  'DeleteSecret',
  'RestoreSecret',
])

/** One mutating request the emulator applied: its number (1-based, all secrets), operation and secret. */
export interface Mutation {
  n: number
  operation: string
  secretId: string
}

export interface AwsEmulator {
  endpoint: string
  region: string
  state: SecretsModel
  faults: Faults
  /** Requests received per operation, faulted ones included. */
  calls: Record<string, number>
  /** Zero every per-operation count (between a test's setup and what it measures). */
  resetCalls(): void
  /** ListSecrets answers from the state as it is now until `thawListing` (its documented lag). */
  freezeListing(): void
  thawListing(): void
  /** Same hook as the option, changeable at run time. */
  beforeOperation?: (operation: string, body: Record<string, unknown>) => void
  /** Mutating requests applied successfully so far (all secrets). */
  mutations: number
  /**
   * Runs after a mutating request was applied and before its answer is sent; the answer waits for
   * the returned promise. The request-level kill matrix SIGKILLs rotor here: the change is made,
   * the process never learns it.
   */
  afterMutation?: (mutation: Mutation) => void | Promise<void>
  close(): Promise<void>
}

export const EMULATOR_ACCOUNT_ID = '123456789012'

export async function startAwsEmulator(options: AwsEmulatorOptions = {}): Promise<AwsEmulator> {
  const region = options.region ?? 'us-east-1'
  const accountId = options.accountId ?? EMULATOR_ACCOUNT_ID
  const state = new SecretsModel({region, accountId, now: options.now ?? Date.now, maxVersions: options.maxVersions ?? 100})
  const faults = new Faults(options.seed)
  const calls: Record<string, number> = {}
  const emulator = {beforeOperation: options.beforeOperation, mutations: 0} as AwsEmulator

  const server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      void handle(req, res, Buffer.concat(chunks)).catch((error: unknown) => {
        send(res, 500, {__type: 'InternalServiceError', Message: `emulator bug: ${(error as Error).message}`})
      })
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
    const target = String(req.headers['x-amz-target'] ?? '')
    const operation = target.startsWith('secretsmanager.') ? target.slice('secretsmanager.'.length) : ''
    calls[operation || '(none)'] = (calls[operation || '(none)'] ?? 0) + 1
    const fault = await faults.delayAndDraw(operation)
    if (fault === 'reset') {
      req.socket.destroy()
      return
    }
    if (fault === 'throttle') return send(res, 400, {__type: 'ThrottlingException', Message: 'Rate exceeded'})
    if (fault === 'server-error') return send(res, 500, {__type: 'InternalServiceError', Message: 'An error occurred on the server side.'})
    try {
      if (req.method !== 'POST' || (req.url ?? '/').split('?')[0] !== '/') throw new AwsFault('UnknownOperationException', 'Only POST / is served.', 404)
      const accessKeyId = checkSignature(req.method, req.url ?? '/', req.headers, raw, {region, credentials: options.credentials})
      const handler = operations[operation]
      if (!handler) throw new AwsFault('UnknownOperationException', `Unknown operation ${target || '(no X-Amz-Target)'}`)
      let body: Record<string, unknown>
      try {
        body = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Record<string, unknown>)
      } catch {
        throw new AwsFault('SerializationException', 'Start of structure or map found where not expected.')
      }
      const ctx: OperationContext = {authorize: (action, secretId) => authorize(accessKeyId, action, secretId)}
      emulator.beforeOperation?.(operation, body)
      const result = handler(state, body, ctx) ?? {}
      if (MUTATING_OPERATIONS.has(operation)) {
        emulator.mutations++
        await emulator.afterMutation?.({n: emulator.mutations, operation, secretId: String(body.SecretId ?? body.Name ?? '')})
      }
      if (fault === 'drop-response') {
        req.socket.destroy()
        return
      }
      send(res, 200, result)
    } catch (error) {
      if (!(error instanceof AwsFault)) throw error
      send(res, error.status, {__type: error.type, Message: error.message})
    }
  }

  function authorize(accessKeyId: string, action: string, secretId?: string): void {
    if (!faults.isDenied(action)) return
    const user = `arn:aws:iam::${accountId}:user/${accessKeyId}`
    const on = secretId ? ` on resource: ${secretId}` : ''
    throw new AwsFault(
      'AccessDeniedException',
      `User: ${user} is not authorized to perform: secretsmanager:${action}${on} because no identity-based policy allows the secretsmanager:${action} action`,
    )
  }

  // Node closes idle keep-alive sockets after 5 s; a test's long-lived SDK client that reuses one
  // at that moment sees ECONNRESET, which no real endpoint would cause. Keep them open longer.
  server.keepAliveTimeout = 120_000
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as AddressInfo
  return Object.assign(emulator, {
    endpoint: `http://127.0.0.1:${port}`,
    region,
    state,
    faults,
    calls,
    resetCalls: () => {
      for (const op of Object.keys(calls)) delete calls[op]
    },
    freezeListing: () => {
      state.listingView = new Map([...state.secrets].map(([name, secret]) => [name, structuredClone(secret)]))
    },
    thawListing: () => {
      delete state.listingView
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  })
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
  })
  res.end(text)
}
