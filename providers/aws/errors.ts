/**
 * SDK errors -> rotor errors, at the adapter's boundary. AWS messages name secrets, ARNs,
 * version ids and IAM actions, never a secret value, so they are kept as details.
 */
import {
  AuthError,
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  type RotorError,
  isRotorError,
  ThrottledError,
  UnavailableError,
} from '../../src/errors/index.js'

export interface CallContext {
  store: string
  op: string
  /** `store:path`, when the call is about one secret. */
  ref?: string
  path?: string
}

export interface SdkErrorShape {
  name?: string
  code?: string
  message?: string
  $fault?: 'client' | 'server'
  $metadata?: {httpStatusCode?: number}
  $response?: {headers?: Record<string, string | undefined>}
}

export const AUTH_FAILURES = new Set([
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'IncompleteSignatureException',
  'MissingAuthenticationTokenException',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'SignatureDoesNotMatch',
])
export const THROTTLES = new Set(['ThrottlingException', 'TooManyRequestsException', 'RequestLimitExceeded', 'Throttling', 'SlowDown'])
export const SERVER_FAILURES = new Set(['InternalServiceError', 'InternalFailure', 'ServiceUnavailable', 'ServiceUnavailableException'])
export const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH'])

export const restoreHint = (path: string | undefined) =>
  `the secret is scheduled for deletion; restore it with \`aws secretsmanager restore-secret --secret-id ${path ?? '<name>'}\` (RestoreSecret) before rotor can use it`

export const QUOTA_HINT =
  'Secrets Manager keeps every version created in the last 24 hours and about 100 in all; wait for unlabelled versions to age out, and rotate this secret less often than every 10 minutes'

export function translateAwsError(error: unknown, ctx: CallContext): RotorError {
  if (isRotorError(error)) return error
  const e = (error ?? {}) as SdkErrorShape
  const name = e.name ?? 'Error'
  const status = e.$metadata?.httpStatusCode
  const detail = e.message ?? String(error)
  const where = ctx.ref ? `${ctx.ref}: ` : `${ctx.store}: `
  const message = `${where}${ctx.op} failed: ${detail}`
  const base = {store: ctx.store, ref: ctx.ref, cause: error}

  if (name === 'ResourceNotFoundException') return new NotFoundError(message, base)
  if (name === 'AccessDeniedException') {
    const action = /perform: (\S+)/.exec(detail)?.[1] ?? `secretsmanager:${ctx.op}`
    const resource = /on resource: (\S+)/.exec(detail)?.[1] ?? ctx.path ?? '*'
    return new AuthError(`${where}access denied: missing ${action}`, {
      ...base,
      hint: `grant ${action} on ${resource} to the identity rotor runs as (see docs/stores/aws.md for the full policy)`,
    })
  }
  if (AUTH_FAILURES.has(name)) {
    return new AuthError(message, {...base, hint: 'check the AWS credentials rotor finds (environment, profile, or role) and the system clock'})
  }
  if (name === 'CredentialsProviderError') {
    return new AuthError(`${where}no AWS credentials found: ${detail}`, {
      ...base,
      hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the store `profile` setting, or run where an instance/task role is available',
    })
  }
  if (name === 'DecryptionFailure' || name === 'EncryptionFailure') {
    return new AuthError(message, {...base, hint: 'allow kms:Decrypt and kms:GenerateDataKey on the KMS key that encrypts this secret'})
  }
  if (THROTTLES.has(name) || status === 429) {
    const retryAfter = Number(e.$response?.headers?.['retry-after'])
    return new ThrottledError(message, {...base, ...(retryAfter > 0 ? {retryAfterMs: retryAfter * 1000} : {})})
  }
  if (SERVER_FAILURES.has(name) || (status !== undefined && status >= 500)) return new UnavailableError(message, base)
  if (NETWORK_CODES.has(e.code ?? '') || name === 'TimeoutError' || /socket hang up/i.test(detail)) {
    return new UnavailableError(`${where}${ctx.op} failed: cannot reach Secrets Manager (${e.code ?? name})`, base)
  }
  if (e.code === 'ENOTFOUND') {
    return new UnavailableError(message, {...base, retryable: false, hint: 'check the store `region` and `endpoint` settings'})
  }
  if (name === 'LimitExceededException') return new InvalidRequestError(message, {...base, hint: QUOTA_HINT})
  if (name === 'ResourceExistsException') return new ConflictError(message, base)
  if (name === 'InvalidRequestException' && /marked for deletion|scheduled for deletion/i.test(detail)) {
    return new InvalidRequestError(`${where}is scheduled for deletion`, {...base, hint: restoreHint(ctx.path)})
  }
  if (e.$fault === 'server') return new UnavailableError(message, base)
  return new InvalidRequestError(message, base)
}
