/**
 * SDK errors -> rotor errors, at the adapter's boundary. google-gax errors carry the gRPC
 * status `code` (also over REST, where gax maps HTTP statuses back to gRPC codes) and the
 * service's message, which names resources and permissions, never a payload.
 */
import {
  AuthError,
  ConflictError,
  InvalidRequestError,
  isRotorError,
  NotFoundError,
  type RotorError,
  ThrottledError,
  UnavailableError,
} from '../../src/errors/index.js'

export interface CallContext {
  store: string
  /** The RPC, e.g. `AddSecretVersion`. */
  op: string
  /** `store:path`, when the call is about one secret. */
  ref?: string
  /** The resource the call was about, for the permission hint. */
  resource?: string
}

/** gRPC status codes (google.rpc.Code). */
export const Code = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const

/** The IAM permission each RPC needs, for when the service's message does not name it. */
export const PERMISSION_FOR: Record<string, string> = {
  ListSecrets: 'secretmanager.secrets.list',
  CreateSecret: 'secretmanager.secrets.create',
  GetSecret: 'secretmanager.secrets.get',
  UpdateSecret: 'secretmanager.secrets.update',
  DeleteSecret: 'secretmanager.secrets.delete',
  AddSecretVersion: 'secretmanager.versions.add',
  GetSecretVersion: 'secretmanager.versions.get',
  ListSecretVersions: 'secretmanager.versions.list',
  AccessSecretVersion: 'secretmanager.versions.access',
  EnableSecretVersion: 'secretmanager.versions.enable',
  DisableSecretVersion: 'secretmanager.versions.disable',
  DestroySecretVersion: 'secretmanager.versions.destroy',
}

export const ADC_HINT =
  'rotor uses Application Default Credentials: set GOOGLE_APPLICATION_CREDENTIALS, run `gcloud auth application-default login`, or run with an attached service account / workload identity'

export const QUOTA_HINT =
  'Secret Manager allows 600 write requests per minute per project (and about 2 per second on one secret); rotor backs off and retries, or lower the concurrency'

/** The gRPC status code of an SDK error, or of the rotor error that wraps one. */
export function grpcCode(error: unknown): number | undefined {
  const e = (isRotorError(error) ? error.cause : error) as {code?: unknown} | undefined
  return typeof e?.code === 'number' ? e.code : undefined
}

export const isEtagConflict = (error: unknown): boolean => {
  const code = grpcCode(error)
  return code === Code.FAILED_PRECONDITION || code === Code.ABORTED
}

export function translateGcpError(error: unknown, ctx: CallContext): RotorError {
  if (isRotorError(error)) return error
  const e = (error ?? {}) as {code?: unknown; details?: string; message?: string}
  const code = typeof e.code === 'number' ? e.code : undefined
  const detail = e.details || e.message || String(error)
  const where = ctx.ref ? `${ctx.ref}: ` : `${ctx.store}: `
  const message = `${where}${ctx.op} failed: ${detail}`
  const base = {store: ctx.store, ref: ctx.ref, cause: error}

  switch (code) {
    case Code.NOT_FOUND:
      return new NotFoundError(message, base)
    case Code.PERMISSION_DENIED: {
      const permission = /Permission '([^']+)' denied/.exec(detail)?.[1] ?? PERMISSION_FOR[ctx.op] ?? `secretmanager (${ctx.op})`
      const resource = /resource '([^']+)'/.exec(detail)?.[1] ?? ctx.resource ?? 'the secret'
      return new AuthError(`${where}permission denied: missing ${permission}`, {
        ...base,
        hint: `grant ${permission} on ${resource} to the identity rotor runs as (roles/secretmanager.admin, or the custom role in docs/stores/gcp.md)`,
      })
    }
    case Code.UNAUTHENTICATED:
      return new AuthError(message, {...base, hint: ADC_HINT})
    case Code.ALREADY_EXISTS:
    case Code.FAILED_PRECONDITION:
    case Code.ABORTED:
      return new ConflictError(message, base)
    case Code.RESOURCE_EXHAUSTED:
      return new ThrottledError(message, {...base, hint: QUOTA_HINT})
    case Code.UNAVAILABLE:
    case Code.DEADLINE_EXCEEDED:
    case Code.INTERNAL:
    case Code.UNKNOWN:
    case Code.CANCELLED:
      return new UnavailableError(message, base)
    case Code.INVALID_ARGUMENT:
    case Code.OUT_OF_RANGE:
    case Code.UNIMPLEMENTED:
      return new InvalidRequestError(message, base)
  }
  // Errors raised before any call: google-auth-library finding no credentials, a bad endpoint.
  if (/default credentials|Could not load the default credentials|Unable to detect a Project Id/i.test(detail)) {
    return new AuthError(`${where}no Google credentials found: ${detail}`, {...base, hint: ADC_HINT})
  }
  if (/ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up/i.test(detail)) return new UnavailableError(message, base)
  return new InvalidRequestError(message, base)
}
