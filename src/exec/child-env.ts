/**
 * The one environment rotor gives a program it runs (`rotor exec` and `verify.command`): an
 * allow-list, never a copy of rotor's own. A child gets the basics a program needs to run
 * (PATH, HOME, locale, terminal), the variables its config or the caller names in `passEnv`, and
 * the values it was given on purpose. Rotor's own credentials (store keys and tokens, cloud
 * credentials, the audit key, webhook URLs and signing keys) never reach it, even when named.
 */
import type {RotorConfig} from '../config/types.js'
import {ExitCode} from '../exit-codes.js'
import {RotorError, UsageError} from '../errors/index.js'

/** Passed when set: what a program needs to find things and talk to a person. */
export const BASE_CHILD_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'TZ', 'TMPDIR', 'TERM', 'SHELL'] as const
const BASE_SET: ReadonlySet<string> = new Set(BASE_CHILD_ENV)
const isBase = (name: string) => BASE_SET.has(name) || name.startsWith('LC_')

/**
 * Variables that hold rotor's own credentials whatever the config says: the file store's default
 * key variable, the audit key, and the clouds' credential families (SDKs read all of these).
 */
const CREDENTIAL_PATTERNS: ReadonlyArray<RegExp> = [
  /^ROTOR_FILE_KEY$/,
  /^ROTOR_AUDIT_KEY/,
  /^VAULT_/,
  /^AWS_/,
  /^AZURE_/,
  /^GOOGLE_/,
  /^CLOUDSDK_/,
  /^GCLOUD_/,
]

/** True when `name` is one of rotor's credential variables by its name alone (config checks use this). */
export const isCredentialName = (name: string): boolean => CREDENTIAL_PATTERNS.some((pattern) => pattern.test(name))

/**
 * Every variable this config reads a credential from: store settings named `…Env` (the file
 * store's `keyEnv`, Vault's `tokenEnv`, ...) and each webhook's `urlEnv` and `signingKeyEnv`.
 */
export function configuredCredentialNames(config: Pick<RotorConfig, 'stores' | 'notify'> | undefined): Set<string> {
  const names = new Set<string>()
  for (const store of Object.values(config?.stores ?? {})) {
    const settings = store.settings
    if (settings === null || typeof settings !== 'object') continue
    for (const [key, value] of Object.entries(settings)) {
      if (/Env$/.test(key) && typeof value === 'string') names.add(value)
    }
  }
  for (const hook of config?.notify ?? []) {
    if (hook.urlEnv) names.add(hook.urlEnv)
    if (hook.signingKeyEnv) names.add(hook.signingKeyEnv)
  }
  return names
}

export interface PassEnvSource {
  /** Where the names come from, for the error: `--pass-env`, `secrets.api.passEnv`, ... */
  from: string
  names: readonly string[]
}

export interface ChildEnvOptions {
  /** rotor's own environment, where base and passEnv variables are read from. */
  env: NodeJS.ProcessEnv
  config?: Pick<RotorConfig, 'stores' | 'notify'>
  passEnv?: PassEnvSource[]
  /** The values handed over on purpose: always set, even when their names look like credentials. */
  values: Record<string, string>
}

/** Refuses a passEnv that names one of rotor's credentials; a flag is a usage error, config a config error. */
export function checkPassEnv(sources: PassEnvSource[], config?: ChildEnvOptions['config']): void {
  const configured = configuredCredentialNames(config)
  for (const {from, names} of sources) {
    for (const name of names) {
      if (!isCredentialName(name) && !configured.has(name)) continue
      const message = `${from}: ${name} holds one of rotor's own credentials; rotor never passes it to a program it runs`
      const hint = 'give the program its own credential under another variable name, or leave it out'
      if (from.startsWith('--')) throw new UsageError(message, {hint})
      throw new RotorError(message, {exitCode: ExitCode.CONFIG_INVALID, hint})
    }
  }
}

/** The environment of a child: base variables, then passEnv, then the values (which win). */
export function childEnv(options: ChildEnvOptions): Record<string, string> {
  const sources = options.passEnv ?? []
  checkPassEnv(sources, options.config)
  const out: Record<string, string> = {}
  const passed = new Set(sources.flatMap((s) => s.names))
  for (const [name, value] of Object.entries(options.env)) {
    if (value !== undefined && (isBase(name) || passed.has(name))) out[name] = value
  }
  return {...out, ...options.values}
}
