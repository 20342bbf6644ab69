/**
 * Where the bearer token comes from. A pipeline that already holds a token for
 * https://vault.azure.net (e.g. `az account get-access-token --resource https://vault.azure.net`,
 * or a workload-identity exchange done by the CI system) passes it in AZURE_KEYVAULT_ACCESS_TOKEN;
 * tests do the same. Otherwise DefaultAzureCredential walks its chain (environment service
 * principal, workload identity, managed identity, Azure CLI, azd, PowerShell). @azure/identity
 * costs ~200 ms to import, so it is loaded only when no token was given.
 */
import type {SecretClient} from '@azure/keyvault-secrets'

export type TokenCredential = ConstructorParameters<typeof SecretClient>[1]

export const TOKEN_ENV = 'AZURE_KEYVAULT_ACCESS_TOKEN'

/** A token of unknown lifetime is assumed good for this long (Entra ID issues 60-90 minute tokens). */
const ASSUMED_LIFETIME_MS = 60 * 60 * 1000

export async function credentialFor(env: NodeJS.ProcessEnv): Promise<{credential: TokenCredential; source: string}> {
  const token = env[TOKEN_ENV]?.trim()
  if (token) return {credential: staticTokenCredential(token), source: TOKEN_ENV}
  const {DefaultAzureCredential} = await import('@azure/identity')
  return {credential: new DefaultAzureCredential(), source: 'DefaultAzureCredential'}
}

export function staticTokenCredential(token: string): TokenCredential {
  const expiresOnTimestamp = jwtExpiry(token) ?? Date.now() + ASSUMED_LIFETIME_MS
  return {
    getToken: async () => ({token, expiresOnTimestamp}),
  }
}

/** `exp` of a JWT in epoch ms, when the token is one; the signature is the service's business. */
function jwtExpiry(token: string): number | undefined {
  const payload = token.split('.')[1]
  if (!payload) return undefined
  try {
    const exp = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {exp?: unknown}).exp
    return typeof exp === 'number' ? exp * 1000 : undefined
  } catch {
    return undefined
  }
}
