/**
 * node-vault failures -> rotor errors. node-vault rejects with an ApiResponseError
 * (`response.statusCode`, `response.body.errors`) for any HTTP status but 200/204, with an axios
 * error (`code`) when no response came, and with a tv4 object when its own schema check fails.
 * node-vault 0.12 keeps no response headers, so a 429's Retry-After cannot reach us: the
 * engine's backoff applies instead.
 */
import {
  AuthError,
  ConflictError,
  InvalidRequestError,
  NotFoundError,
  RotorError,
  ThrottledError,
  UnavailableError,
} from '../../src/errors/index.js'

export interface Operation {
  store: string
  /** `store:path`, as errors name it. */
  ref: string
  /** The Vault API path called, e.g. `secret/data/payments/api`. */
  apiPath: string
  /** The policy capability the call needs, e.g. `update` or `create/update`. */
  capability: string
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ERR_SOCKET_CONNECTION_TIMEOUT'])
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|EPROTO/

/** The messages in a Vault error body, with go-multierror's framing removed. */
export function vaultMessages(body: unknown): string[] {
  const errors = (body as {errors?: unknown} | undefined)?.errors
  if (!Array.isArray(errors)) return []
  return errors.flatMap((e) =>
    String(e)
      .split('\n')
      .map((line) => line.replace(/^\s*\*\s*/, '').trim())
      .filter((line) => line && !/^\d+ errors? occurred:$/.test(line)),
  )
}

export function statusOf(error: unknown): number | undefined {
  return (error as {response?: {statusCode?: number}} | undefined)?.response?.statusCode
}

export function translate(error: unknown, op: Operation): RotorError {
  if (error instanceof RotorError) return error
  const base = {store: op.store, ref: op.ref, cause: scrubbed(error)}
  const status = statusOf(error)
  if (status !== undefined) {
    const messages = vaultMessages((error as {response: {body?: unknown}}).response.body)
    const said = messages.join('; ') || `HTTP ${status}`
    switch (true) {
      case status === 400 && messages.some((m) => m.includes('check-and-set parameter did not match')):
        return new ConflictError(`${op.ref} changed since it was read: Vault refused the write (cas did not match the current version)`, base)
      case status === 403 && messages.some((m) => /invalid token|missing client token/.test(m)):
        return new AuthError(`Vault rejected the token calling ${op.apiPath}: it is invalid, revoked or expired`, {
          ...base,
          hint: 'log in again (VAULT_TOKEN, or check the AppRole / Kubernetes auth settings of this store)',
        })
      case status === 403:
        return new AuthError(`Vault denied ${op.ref}: the token's policy lacks \`${op.capability}\` on ${op.apiPath}`, {
          ...base,
          hint: `grant capabilities = ["${op.capability.split('/').join('", "')}"] on path "${op.apiPath}" (see docs/stores/vault.md)`,
        })
      case status === 404:
        return new NotFoundError(`${op.ref} not found (${op.apiPath})`, base)
      case status === 429:
        return new ThrottledError(`Vault throttled ${op.apiPath}: ${said}`, base)
      case status === 503 && messages.some((m) => /sealed/i.test(m)):
        return new UnavailableError(`Vault is sealed: it serves no request until it is unsealed (${op.apiPath})`, {
          ...base,
          hint: 'unseal Vault (`vault operator unseal`, or check auto-unseal), then run again',
        })
      case status === 412 || status >= 500:
        return new UnavailableError(`Vault answered ${status} for ${op.apiPath}: ${said}`, base)
      default:
        return new InvalidRequestError(`Vault refused ${op.apiPath} (${status}): ${said}`, base)
    }
  }
  const code = (error as {code?: unknown} | undefined)?.code
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    return new UnavailableError(`cannot reach Vault for ${op.apiPath}: ${code}`, {...base, hint: 'check the address and that Vault is up'})
  }
  if (typeof code === 'string' && TLS_CODES.test(code)) {
    return new UnavailableError(`TLS to Vault failed for ${op.apiPath}: ${code}`, {
      ...base,
      retryable: false,
      hint: 'set tls.caFile to the CA that signed the Vault certificate',
    })
  }
  const message = error instanceof Error ? error.message : String((error as {message?: unknown})?.message ?? error)
  return new UnavailableError(`Vault call ${op.apiPath} failed: ${message}`, {...base, retryable: false})
}

/**
 * The cause to keep on a rotor error. An axios error carries the request config: the
 * X-Vault-Token header and the JSON body with the secret value. Keep only what is safe to print.
 */
function scrubbed(error: unknown): Error {
  const status = statusOf(error)
  const code = (error as {code?: unknown} | undefined)?.code
  const message = status !== undefined ? `HTTP ${status}: ${vaultMessages((error as {response: {body?: unknown}}).response.body).join('; ')}` : error instanceof Error ? error.message : 'unknown error'
  return Object.assign(new Error(message), typeof code === 'string' ? {code} : {})
}
