/**
 * `${NAME}` in store settings takes the value of an environment variable, so endpoints and other
 * settings can vary by environment; `$${` is a literal `${`. Nowhere else is `${` accepted: secret
 * values never go in rotor.yaml, rotor generates them.
 *
 * Variables that hold rotor's own credentials are refused: copied into a setting, a token would
 * travel where that setting goes (a URL path, a request to another host, an error message). A
 * store reads its credential from the variable it names (`keyEnv`, `auth.tokenEnv`, ...).
 */
import type {KeyPath} from './locate.js'

const VARIABLE_NAME = /^[A-Z_][A-Z0-9_]*$/

export interface InterpolationProblem {
  path: KeyPath
  /** The text to point at inside the string, e.g. `${TOKEN}`. */
  token: string
  message: string
}

export interface Interpolated {
  data: unknown
  problems: InterpolationProblem[]
}

/** Credential variables by name: rotor's own keys and the SDKs' secret credential variables. */
export const CREDENTIAL_VARIABLES: ReadonlySet<string> = new Set([
  'ROTOR_FILE_KEY',
  'ROTOR_AUDIT_KEY',
  'VAULT_TOKEN',
  'VAULT_SECRET_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AZURE_CLIENT_SECRET',
  'AZURE_CLIENT_CERTIFICATE_PASSWORD',
  'AZURE_PASSWORD',
  'AZURE_KEYVAULT_ACCESS_TOKEN',
  'GOOGLE_APPLICATION_CREDENTIALS',
  'GOOGLE_OAUTH_ACCESS_TOKEN',
  'CLOUDSDK_AUTH_ACCESS_TOKEN',
])

/**
 * Every variable this config reads a credential from, before interpolation: the listed ones, any
 * store setting named `…Env` at any depth (the file store's `keyEnv`, Vault's `auth.tokenEnv` and
 * `auth.secretIdEnv`), and each webhook's `urlEnv` and `signingKeyEnv`.
 */
export function credentialVariables(data: unknown): Set<string> {
  const names = new Set(CREDENTIAL_VARIABLES)
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect)
    else if (isPlainMap(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (/Env$/.test(key) && typeof child === 'string') names.add(child)
        else collect(child)
      }
    }
  }
  const root = isPlainMap(data) ? data : {}
  collect(root.stores)
  for (const hook of Array.isArray(root.notify) ? root.notify : []) {
    if (!isPlainMap(hook)) continue
    for (const key of ['urlEnv', 'signingKeyEnv']) if (typeof hook[key] === 'string') names.add(hook[key])
  }
  return names
}

const FORBIDDEN =
  '"${...}" is only expanded in store settings; secret values never go in rotor.yaml (rotor generates them and writes them to the stores)'

/** Expands `${NAME}` in one string. Problems carry no path; the caller adds it. */
export function interpolate(
  text: string,
  env: NodeJS.ProcessEnv,
  refused: ReadonlySet<string> = CREDENTIAL_VARIABLES,
): {value: string; problems: Omit<InterpolationProblem, 'path'>[]} {
  const problems: Omit<InterpolationProblem, 'path'>[] = []
  let value = ''
  let i = 0
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      value += '${'
      i += 3
      continue
    }
    if (!text.startsWith('${', i)) {
      value += text[i]
      i += 1
      continue
    }
    const end = text.indexOf('}', i + 2)
    if (end < 0) {
      problems.push({token: '${', message: 'unterminated "${"; write ${NAME}, or $${ for a literal "${"'})
      value += text.slice(i)
      break
    }
    const token = text.slice(i, end + 1)
    const name = text.slice(i + 2, end)
    i = end + 1
    if (!VARIABLE_NAME.test(name)) {
      problems.push({
        token,
        message: `"${token}" is not a valid reference: use \${NAME} with NAME made of A-Z, 0-9 and "_", not starting with a digit, or $\${ for a literal "\${"`,
      })
      continue
    }
    if (refused.has(name)) {
      problems.push({
        token,
        message: `"${token}": ${name} holds one of rotor's own credentials and is never copied into a setting; a store reads its credential from the variable it names (keyEnv, auth.tokenEnv, ...)`,
      })
      continue
    }
    const resolved = env[name]
    if (resolved === undefined) {
      problems.push({token, message: `environment variable ${name} is not set (referenced as "${token}")`})
      continue
    }
    value += resolved
  }
  return {value, problems}
}

/**
 * Expands references in every string under `stores.<name>` except `type`, and reports `${` in
 * any other string value of the file. Map keys are left alone.
 */
export function interpolateConfig(data: unknown, env: NodeJS.ProcessEnv): Interpolated {
  const problems: InterpolationProblem[] = []
  const refused = credentialVariables(data)

  const expand = (value: unknown, path: KeyPath): unknown => {
    if (typeof value === 'string') {
      const result = interpolate(value, env, refused)
      for (const problem of result.problems) problems.push({...problem, path})
      return result.value
    }
    return mapChildren(value, path, expand)
  }

  const forbid = (value: unknown, path: KeyPath): unknown => {
    if (typeof value === 'string') {
      if (value.includes('${')) problems.push({path, token: '${', message: FORBIDDEN})
      return value
    }
    return mapChildren(value, path, forbid)
  }

  const root = mapChildren(data, [], (value, path) => {
    if (path[0] !== 'stores' || !isPlainMap(value)) return forbid(value, path)
    return mapChildren(value, path, (store, storePath) =>
      isPlainMap(store)
        ? mapChildren(store, storePath, (setting, settingPath) =>
            settingPath.at(-1) === 'type' ? forbid(setting, settingPath) : expand(setting, settingPath),
          )
        : forbid(store, storePath),
    )
  })
  return {data: root, problems}
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function mapChildren(value: unknown, path: KeyPath, fn: (child: unknown, path: KeyPath) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item, i) => fn(item, [...path, i]))
  if (isPlainMap(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, fn(child, [...path, key])]))
  }
  return value
}
