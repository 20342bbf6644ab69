/**
 * IAM and STS errors -> rotor's error kinds, at the issuer's boundary. AWS messages name users,
 * key ids and actions, never a secret access key, so they are kept as details.
 */
import {AUTH_FAILURES, NETWORK_CODES, type SdkErrorShape, SERVER_FAILURES as AWS_SERVER_FAILURES, THROTTLES as AWS_THROTTLES} from '../../aws/errors.js'
import {AuthError, ConflictError, InvalidRequestError, NotFoundError, type RotorError, isRotorError, ThrottledError, UnavailableError} from '../../../src/errors/index.js'

export interface IamCallContext {
  issuer: string
  op: string
  /** The bound IAM user. */
  user: string
}

/** The key or the signature is refused (the Query protocol's names next to the JSON ones): the credential does not authenticate. */
const REFUSED_CREDENTIALS = new Set([...AUTH_FAILURES, 'IncompleteSignature', 'MissingAuthenticationToken', 'ExpiredToken', 'InvalidAccessKeyId', 'AuthFailure'])
const THROTTLES = new Set([...AWS_THROTTLES, 'RequestThrottled'])
const SERVER_FAILURES = new Set([...AWS_SERVER_FAILURES, 'ServiceFailure', 'ServiceFailureException', 'InternalError'])

export const sdkErrorName = (error: unknown): string | undefined => ((error as SdkErrorShape | undefined)?.name ?? undefined)

export function translateIamError(error: unknown, ctx: IamCallContext): RotorError {
  if (isRotorError(error)) return error
  const e = (error ?? {}) as SdkErrorShape
  const name = e.name ?? 'Error'
  const status = e.$metadata?.httpStatusCode
  const detail = e.message ?? String(error)
  const where = `issuer ${ctx.issuer} (IAM user ${ctx.user}): `
  const message = `${where}${ctx.op} failed: ${detail}`
  const base = {ref: ctx.issuer, cause: error}

  if (name === 'NoSuchEntity' || name === 'NoSuchEntityException') return new NotFoundError(message, base)
  if (name === 'AccessDenied' || name === 'AccessDeniedException') {
    const action = /perform: (\S+)/.exec(detail)?.[1] ?? `iam:${ctx.op}`
    return new AuthError(`${where}access denied: missing ${action}`, {
      ...base,
      hint: `grant ${action} on the IAM user ${ctx.user} to the identity rotor runs as (\`rotor policy\` prints the whole policy)`,
    })
  }
  if (REFUSED_CREDENTIALS.has(name)) {
    return new AuthError(message, {...base, hint: 'check the AWS credentials rotor finds (environment, profile, or role) and the system clock'})
  }
  if (name === 'CredentialsProviderError') {
    return new AuthError(`${where}no AWS credentials found: ${detail}`, {
      ...base,
      hint: 'set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, AWS_PROFILE or the issuer `profile` setting, or run where an instance/task role is available',
    })
  }
  if (THROTTLES.has(name) || status === 429) {
    const retryAfter = Number(e.$response?.headers?.['retry-after'])
    return new ThrottledError(message, {...base, ...(retryAfter > 0 ? {retryAfterMs: retryAfter * 1000} : {})})
  }
  if (SERVER_FAILURES.has(name) || (status !== undefined && status >= 500)) return new UnavailableError(message, base)
  if (NETWORK_CODES.has(e.code ?? '') || name === 'TimeoutError' || /socket hang up|ECONNRESET/i.test(detail)) {
    return new UnavailableError(`${where}${ctx.op} failed: cannot reach IAM/STS (${e.code ?? name})`, base)
  }
  if (e.code === 'ENOTFOUND') {
    return new UnavailableError(message, {...base, retryable: false, hint: 'check the issuer `region` and `endpoint` settings'})
  }
  if (name === 'LimitExceeded' || name === 'LimitExceededException') {
    return new ConflictError(message, {...base, hint: `IAM allows two access keys per user: delete one of ${ctx.user}'s keys that no rotor store holds`})
  }
  if (name === 'ConcurrentModification' || name === 'ConcurrentModificationException') return new UnavailableError(message, base)
  if (e.$fault === 'server') return new UnavailableError(message, base)
  return new InvalidRequestError(message, base)
}
