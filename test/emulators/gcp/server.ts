/**
 * A local GCP Secret Manager: a gRPC server (@grpc/grpc-js) on 127.0.0.1 with an ephemeral
 * port, built from the v1 proto definitions shipped with @google-cloud/secret-manager (and the
 * google/api, google/iam, google/protobuf protos shipped with google-gax), answering with real
 * status codes. Point the real SDK at it with `apiEndpoint: '127.0.0.1', port, sslCreds:
 * grpc.credentials.createInsecure()`. See model.ts for the references followed.
 */
import {createRequire} from 'node:module'
import {dirname, join} from 'node:path'
import {type sendUnaryData, Server, ServerCredentials, type ServerUnaryCall, type ServiceDefinition, status} from '@grpc/grpc-js'
import {loadSync} from '@grpc/proto-loader'
import {Faults, MinuteQuota} from './faults.js'
import {GcpFault, SecretStore} from './model.js'
import {type OperationContext, operations, WRITE_OPERATIONS} from './operations.js'

export interface GcpEmulatorOptions {
  /** Clock for create/destroy times, scheduled destruction and the quota window (epoch ms). */
  now?: () => number
  /** Seed for fault rates, so a run can be replayed. */
  seed?: number
  /** Write requests per minute before RESOURCE_EXHAUSTED (the service's default quota is 600). */
  writeQuotaPerMinute?: number
  /** Runs just before an RPC is applied: the place to act as a concurrent writer. */
  beforeOperation?: (operation: string, request: Record<string, unknown>) => void
}

export interface GcpEmulator {
  /** Host to give the SDK as `apiEndpoint`. */
  endpoint: string
  port: number
  state: SecretStore
  faults: Faults
  quota: MinuteQuota
  /** RPCs received per method, faulted ones included. */
  calls: Record<string, number>
  /** Same hook as the option, changeable at run time. */
  beforeOperation?: (operation: string, request: Record<string, unknown>) => void
  close(): Promise<void>
}

const require = createRequire(import.meta.url)

let service: ServiceDefinition | undefined

/** The SecretManagerService definition, from the .proto files the client package ships. */
export function secretManagerService(): ServiceDefinition {
  if (service) return service
  const clientProtos = join(dirname(require.resolve('@google-cloud/secret-manager')), '..', 'protos')
  const gaxProtos = join(dirname(require.resolve('google-gax')), '..', 'protos')
  const definition = loadSync('google/cloud/secretmanager/v1/service.proto', {
    includeDirs: [clientProtos, gaxProtos],
    keepCase: false,
    longs: String,
    enums: String,
    defaults: true,
    oneofs: true,
  })
  service = definition['google.cloud.secretmanager.v1.SecretManagerService'] as ServiceDefinition
  return service
}

const QUOTA_MESSAGE =
  "Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute' of service 'secretmanager.googleapis.com'."

export async function startGcpEmulator(options: GcpEmulatorOptions = {}): Promise<GcpEmulator> {
  const now = options.now ?? Date.now
  const state = new SecretStore(now)
  const faults = new Faults(options.seed)
  const quota = new MinuteQuota(options.writeQuotaPerMinute ?? 600, now)
  const calls: Record<string, number> = {}
  const emulator = {beforeOperation: options.beforeOperation} as GcpEmulator

  const ctx: OperationContext = {
    authorize(permission, resource) {
      if (!faults.isDenied(permission)) return
      throw new GcpFault(status.PERMISSION_DENIED, `Permission '${permission}' denied for resource '${resource}' (or it may not exist).`)
    },
    held: (permissions) => permissions.filter((p) => !faults.isDenied(p)),
  }

  async function handle(operation: string, request: Record<string, unknown>): Promise<unknown> {
    calls[operation] = (calls[operation] ?? 0) + 1
    const fault = await faults.delayAndDraw(operation)
    if (fault === 'unavailable') throw new GcpFault(status.UNAVAILABLE, 'The service is currently unavailable.')
    if (fault === 'resource-exhausted') throw new GcpFault(status.RESOURCE_EXHAUSTED, QUOTA_MESSAGE)
    if (fault === 'internal') throw new GcpFault(status.INTERNAL, 'Internal error encountered.')
    if (fault === 'deadline-exceeded') throw new GcpFault(status.DEADLINE_EXCEEDED, 'Deadline exceeded.')
    if (WRITE_OPERATIONS.has(operation) && !quota.take()) throw new GcpFault(status.RESOURCE_EXHAUSTED, QUOTA_MESSAGE)
    const handler = operations[operation]
    if (!handler) throw new GcpFault(status.UNIMPLEMENTED, `Method ${operation} is not implemented by the emulator.`)
    emulator.beforeOperation?.(operation, request)
    const result = handler(state, request, ctx)
    if (fault === 'drop-response') throw new GcpFault(status.UNAVAILABLE, 'Connection dropped after the request was applied.')
    return result
  }

  const server = new Server()
  const implementation: Record<string, (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => void> = {}
  for (const operation of Object.keys(secretManagerService())) {
    implementation[operation] = (call, callback) => {
      handle(operation, call.request as Record<string, unknown>).then(
        (result) => callback(null, result),
        (error: unknown) => {
          if (error instanceof GcpFault) callback({code: error.code, details: error.message})
          else callback({code: status.INTERNAL, details: `emulator bug: ${(error as Error).message}`})
        },
      )
    }
  }
  server.addService(secretManagerService(), implementation)
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  )

  return Object.assign(emulator, {
    endpoint: '127.0.0.1',
    port,
    state,
    faults,
    quota,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.forceShutdown()
        resolve()
      }),
  })
}
