/**
 * pg's errors translated at the boundary. A server error carries a SQLSTATE (`code`); a socket
 * error carries Node's errno code; a timeout or a TLS refusal sometimes only a message. Messages
 * are built from names and SQLSTATEs, never from a value: the server's own text names roles only.
 */
import {AuthError, InvalidRequestError, NotFoundError, RotorError, UnavailableError} from '../../../src/errors/index.js'

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EPIPE', 'ENOENT'])

interface PgLikeError {
  code?: string
  message?: string
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as PgLikeError | undefined)?.code
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined
}

/** Connection-level trouble: nothing was decided about the credential. */
export function isConnectionProblem(error: unknown): boolean {
  const {code, message = ''} = (error ?? {}) as PgLikeError
  if (code !== undefined && NETWORK_CODES.has(code)) return true
  const state = sqlState(error)
  if (state !== undefined) return state.startsWith('08') || state.startsWith('53') || state.startsWith('57') || state === '3D000'
  return /timeout|terminated|closed|ssl|tls|certificate|self[- ]signed|socket/i.test(message)
}

export function translatePgError(error: unknown, what: string, hints: {role?: string; admin?: string} = {}): RotorError {
  if (error instanceof RotorError) return error
  const state = sqlState(error)
  const reason = (error as PgLikeError | undefined)?.message ?? String(error)
  if (state === '28P01' || state === '28000') {
    return new AuthError(`${what}: the server refused the login (${state})`, {cause: error, hint: hints.admin ? `check the password of the role ${hints.admin}` : undefined})
  }
  if (state === '42501') {
    return new AuthError(`${what}: permission denied (${reason})`, {
      cause: error,
      hint: hints.admin ? `the role ${hints.admin} needs CREATEROLE (see \`rotor policy\`)` : undefined,
    })
  }
  if (state === '42704') {
    return new NotFoundError(`${what}: ${reason}`, {cause: error, hint: 'create the roles first (`rotor policy` prints the SQL)'})
  }
  if (state === '3D000') {
    return new UnavailableError(`${what}: ${reason}`, {cause: error, retryable: false, hint: 'check the issuer\'s database setting'})
  }
  if (isConnectionProblem(error)) {
    const tls = /ssl|tls|certificate|self[- ]signed/i.test(reason)
    return new UnavailableError(`${what}: cannot reach the server (${reason})`, {
      cause: error,
      retryable: !tls,
      ...(tls ? {hint: 'check the issuer\'s ssl and caFile settings against the server\'s TLS setup'} : {}),
    })
  }
  return new InvalidRequestError(`${what}: ${state ? `${state} ` : ''}${reason}`, {cause: error})
}
