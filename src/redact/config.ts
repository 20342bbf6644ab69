/**
 * Secrets that come with the config rather than from a store: the credentials in webhook and
 * verify URLs (`https://user:pass@host`), webhook URLs kept in a variable (they embed a token),
 * signing keys, and the variables rotor reads its own credentials from. Registered once the
 * config is loaded, so an SDK or HTTP error that echoes one is masked like a value.
 */
import type {RotorConfig} from '../config/types.js'
import {configuredCredentialNames} from '../exec/child-env.js'
import {registerSecret} from './index.js'

/** Credentials rotor or its SDKs read from the environment whatever the config says. */
const WELL_KNOWN = ['ROTOR_FILE_KEY', 'ROTOR_AUDIT_KEY', 'VAULT_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AZURE_CLIENT_SECRET', 'AZURE_KEYVAULT_ACCESS_TOKEN']

/** Only long ones: a short credential masked everywhere would mangle ordinary text. */
const MIN_CREDENTIAL_LENGTH = 8

export function registerConfigSecrets(config: Pick<RotorConfig, 'stores' | 'notify' | 'secrets'>, env: NodeJS.ProcessEnv): void {
  const register = (value: string | undefined) => {
    if (value && value.length >= MIN_CREDENTIAL_LENGTH) registerSecret(value)
  }
  for (const name of [...WELL_KNOWN, ...configuredCredentialNames(config)]) register(env[name])
  const urls = [...(config.notify ?? []).map((hook) => hook.url), ...config.secrets.map((s) => (s.verify && 'http' in s.verify ? s.verify.http.url : undefined))]
  for (const url of urls) {
    const credentials = url ? userInfo(url) : []
    for (const part of credentials) register(part)
  }
}

/** `user:pass` of a URL, as written and decoded, and the password alone. */
function userInfo(url: string): string[] {
  try {
    const parsed = new URL(url)
    if (!parsed.password && !parsed.username) return []
    const raw = `${parsed.username}:${parsed.password}`
    return [raw, decodeURIComponent(raw), parsed.password, decodeURIComponent(parsed.password)]
  } catch {
    return []
  }
}
