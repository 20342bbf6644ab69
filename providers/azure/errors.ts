/**
 * SDK errors -> rotor errors, at the adapter's boundary. Key Vault answers
 * `{"error": {"code", "message", "innererror": {"code"}}}`; the SDK raises a RestError with
 * `statusCode`, `code`, the message, `details` (that body) and the response headers. Messages name
 * vaults, secrets, versions and RBAC actions, never a secret value, so they are kept as details.
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
import {TOKEN_ENV} from './credential.js'

export interface CallContext {
  store: string
  /** The REST operation, e.g. SetSecret. */
  op: string
  ref?: string
  /** The Key Vault secret name, when the call is about one. */
  name?: string
}

interface RestErrorShape {
  name?: string
  code?: string
  statusCode?: number
  message?: string
  details?: {error?: {code?: string; message?: string; innerError?: {code?: string}}}
  response?: {headers?: {get(name: string): string | undefined}}
}

/** What each operation needs: the RBAC data action, the access-policy permission, and the smallest built-in role. */
const NEEDS: Record<string, {action: string; permission: string; role: string}> = {
  GetSecret: {action: 'secrets/getSecret/action', permission: 'get', role: 'Key Vault Secrets User'},
  GetSecretVersions: {action: 'secrets/readMetadata/action', permission: 'list', role: 'Key Vault Secrets User'},
  GetSecrets: {action: 'secrets/readMetadata/action', permission: 'list', role: 'Key Vault Secrets User'},
  SetSecret: {action: 'secrets/setSecret/action', permission: 'set', role: 'Key Vault Secrets Officer'},
  UpdateSecret: {action: 'secrets/update/action', permission: 'set', role: 'Key Vault Secrets Officer'},
  GetDeletedSecret: {action: 'secrets/readMetadata/action', permission: 'list', role: 'Key Vault Secrets Officer'},
  RecoverDeletedSecret: {action: 'secrets/recover/action', permission: 'recover', role: 'Key Vault Secrets Officer'},
}

export const roleFor = (op: string) => NEEDS[op]?.role ?? 'Key Vault Secrets Officer'

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH', 'REQUEST_SEND_ERROR'])
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/

export const recoverHint = (name: string | undefined) =>
  `the secret is soft-deleted; rotor recovers it on the next write when it owns it, or run \`az keyvault secret recover --vault-name <vault> --name ${name ?? '<name>'}\` (or purge it to start over)`

export function translateAzureError(error: unknown, ctx: CallContext): RotorError {
  if (isRotorError(error)) return error
  const e = (error ?? {}) as RestErrorShape
  const status = e.statusCode
  const inner = e.details?.error?.innerError?.code
  const detail = firstLine(e.message ?? String(error))
  const where = ctx.ref ? `${ctx.ref}: ` : `${ctx.store}: `
  const message = `${where}${ctx.op} failed: ${detail}`
  const base = {store: ctx.store, ref: ctx.ref, cause: error}

  if (status === 401) {
    return new AuthError(`${where}Key Vault refused the credentials (${detail})`, {
      ...base,
      hint: `rotor needs a token for https://vault.azure.net in the vault's tenant: set ${TOKEN_ENV}, or let DefaultAzureCredential find one (az login, a managed or workload identity, AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET)`,
    })
  }
  if (status === 403 && inner === 'SecretDisabled') {
    return new NotFoundError(`${where}the version is disabled (retired) and cannot be read`, base)
  }
  if (status === 403) return forbidden(e, ctx, where, base)
  if (status === 404) return new NotFoundError(message, base)
  if (status === 409) {
    if (inner === 'ObjectIsDeletedButRecoverable') {
      return new InvalidRequestError(`${where}is soft-deleted (deleted but recoverable)`, {...base, hint: recoverHint(ctx.name)})
    }
    // A name is briefly unusable after a purge or a recover (Azure/azure-sdk-for-net#26027).
    return new UnavailableError(`${where}${ctx.op} failed: Key Vault is still finishing a purge or recover of this name (${inner ?? e.code ?? 'Conflict'}); retry later`, base)
  }
  if (status === 429) {
    const retryAfter = Number(e.response?.headers?.get('retry-after'))
    return new ThrottledError(message, {
      ...base,
      ...(retryAfter > 0 ? {retryAfterMs: retryAfter * 1000} : {}),
      hint: 'Key Vault allows about 4,000 secret reads and 300 writes per vault per 10 seconds; lower the store concurrency or spread the schedule',
    })
  }
  if (status !== undefined && status >= 500) return new UnavailableError(message, base)
  if (status === 400) return new InvalidRequestError(message, base)
  const code = e.code ?? ''
  if (TLS_CODES.test(code)) {
    return new UnavailableError(`${where}TLS to the vault failed: ${detail}`, {
      ...base,
      retryable: false,
      hint: 'if the vault is reached through a proxy or private CA, point the store `caFile` setting at that CA certificate (PEM)',
    })
  }
  if (code === 'ENOTFOUND') {
    return new UnavailableError(message, {...base, retryable: false, hint: 'check the store `vaultUrl` setting'})
  }
  if (NETWORK_CODES.has(code) || e.name === 'AbortError' || /socket hang up/i.test(detail)) {
    return new UnavailableError(`${where}${ctx.op} failed: cannot reach Key Vault (${code || e.name})`, base)
  }
  if (e.name === 'CredentialUnavailableError' || e.name === 'AggregateAuthenticationError' || e.name === 'AuthenticationRequiredError') {
    return new AuthError(`${where}no Azure credentials found: ${detail}`, {
      ...base,
      hint: `set ${TOKEN_ENV} to a token for https://vault.azure.net, sign in with \`az login\`, or run with a managed or workload identity`,
    })
  }
  if (/challenge resource .* does not match/i.test(detail)) {
    return new InvalidRequestError(message, {...base, hint: 'the vault answered for another resource; for an emulator or custom domain set `disableChallengeResourceVerification: true`'})
  }
  if (status === 412 || status === 409) return new ConflictError(message, base)
  return new InvalidRequestError(message, base)
}

function forbidden(e: RestErrorShape, ctx: CallContext, where: string, base: {store: string; ref?: string; cause: unknown}): AuthError {
  const need = NEEDS[ctx.op]
  const text = e.message ?? ''
  const action = /Action: '([^']+)'/.exec(text)?.[1] ?? (need ? `Microsoft.KeyVault/vaults/${need.action}` : `the ${ctx.op} data action`)
  const role = roleFor(ctx.op)
  if (e.details?.error?.innerError?.code === 'AccessDenied' || /access polic|does not have secrets/i.test(text)) {
    const permission = need?.permission ?? ctx.op
    return new AuthError(`${where}access denied by the vault's access policy: missing secret permission "${permission}"`, {
      ...base,
      hint: `grant the secret permissions get, list, set and recover to the identity rotor runs as (or move the vault to Azure RBAC and assign "${role}")`,
    })
  }
  return new AuthError(`${where}access denied: missing ${action}`, {
    ...base,
    hint: `assign the "${role}" role (it includes ${action}) to the identity rotor runs as, at the vault's scope; rotor needs "Key Vault Secrets Officer" to rotate, "Key Vault Secrets User" only reads`,
  })
}

const firstLine = (text: string) => text.split(/\r?\n/)[0]!.trim()

/** The inner error code of a Key Vault error, once translated. */
export function innerCode(error: unknown): string | undefined {
  const cause = (error as {cause?: RestErrorShape}).cause
  return cause?.details?.error?.innerError?.code
}
