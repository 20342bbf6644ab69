/**
 * Handing values over on purpose: `rotor exec` (into a child's environment) and `rotor export`
 * (into a 0600 file). The current value is read from each secret's primary target.
 */
import type {SecretConfig} from '../config/types.js'
import type {StoreSet} from '../engine/stores.js'
import {isNotFound, NotFoundError, UsageError} from '../errors/index.js'
import {mapLimit} from '../util/pool.js'
import type {SecretValue, StoreClient, VersionInfo, VersionSelector} from '../../providers/types.js'

export interface HandedValue {
  secret: string
  variable: string
  target: string
  value: SecretValue
}

/** `payments-api` -> `PAYMENTS_API`; a leading digit gets a `_` so the name stays valid. */
export function defaultEnvName(secretName: string): string {
  const name = secretName.toUpperCase().replace(/[^A-Z0-9]/g, '_')
  return /^[0-9]/.test(name) ? `_${name}` : name
}

export const envNameOf = (secret: SecretConfig) => secret.env ?? defaultEnvName(secret.name)

/** Fails before reading anything when two selected secrets would fill the same variable. */
export function checkEnvNames(secrets: SecretConfig[]): void {
  const seen = new Map<string, string>()
  for (const secret of secrets) {
    const variable = envNameOf(secret)
    const other = seen.get(variable)
    if (other) {
      throw new UsageError(`secrets ${other} and ${secret.name} both use the variable ${variable}`, {
        hint: 'set a distinct `env:` on one of them in rotor.yaml, or --select only one',
      })
    }
    seen.set(variable, secret.name)
  }
}

export async function currentValues(secrets: SecretConfig[], stores: StoreSet): Promise<HandedValue[]> {
  if (secrets.length === 0) throw new UsageError('no secrets selected', {hint: 'check --select, or add secrets to rotor.yaml'})
  checkEnvNames(secrets)
  return mapLimit(secrets, 8, async (secret) => {
    const primary = secret.targets[0]
    const client = await stores.get(primary.store)
    const value = await readValueOf(secret.name, client, primary.path, {role: 'current'})
    return {secret: secret.name, variable: envNameOf(secret), target: `${primary.store}:${primary.path}`, value}
  })
}

/**
 * A value read for `get`, `exec` or `export`. When the secret does not exist in the store at all,
 * rotor has not created it yet: say so and what to do, rather than only "does not exist".
 */
export async function readValueOf(secret: string, client: StoreClient, path: string, selector: VersionSelector): Promise<SecretValue> {
  try {
    return await client.readValue(path, selector)
  } catch (error) {
    if (!isNotFound(error)) throw error
    const snapshot = await client.describe(path).catch(() => undefined)
    if (snapshot?.exists !== false) throw error
    throw notCreated(secret, client, path, error)
  }
}

function notCreated(secret: string, client: StoreClient, path: string, cause?: unknown): NotFoundError {
  const ref = `${client.storeName}:${path}`
  return new NotFoundError(`${secret} has no value yet: ${ref} does not exist`, {
    store: client.storeName,
    ref,
    hint: 'run `rotor apply` first; it creates every secret in rotor.yaml',
    ...(cause ? {cause} : {}),
  })
}

/**
 * The version `get` describes, from metadata alone: without --reveal the value is not read, since
 * a read is audited by the cloud and moves AWS LastAccessedDate, which `check` relies on. With
 * `strict`, fails as a read would when there is no such readable version.
 */
export async function describeVersionOf(
  secret: string,
  client: StoreClient,
  path: string,
  selector: VersionSelector,
  options: {strict: boolean},
): Promise<VersionInfo | undefined> {
  const snapshot = await client.describe(path)
  const ref = `${client.storeName}:${path}`
  const readable = snapshot.versions.filter((v) => v.enabled && !v.destroyed && v.role !== 'retired')
  const version = 'versionId' in selector ? readable.find((v) => v.id === selector.versionId) : readable.find((v) => v.role === selector.role)
  if (version || !options.strict) return version
  if (!snapshot.exists) throw notCreated(secret, client, path)
  const what = 'versionId' in selector ? `version ${selector.versionId}` : `${selector.role} version`
  throw new NotFoundError(`${ref} has no readable ${what}`, {store: client.storeName, ref, hint: 'rotor status shows the versions and their roles'})
}

/** `NAME='value'` lines: a POSIX shell can `source` it and dotenv reads single quotes literally. */
export function toEnvFile(values: HandedValue[]): string {
  return values.map((v) => `${v.variable}=${shellQuote(v.value.reveal())}\n`).join('')
}

export function toJsonFile(values: HandedValue[]): string {
  return `${JSON.stringify(Object.fromEntries(values.map((v) => [v.variable, v.value.reveal()])), null, 2)}\n`
}

function shellQuote(value: string): string {
  if (/^[A-Za-z0-9_+,.:=@/-]*$/.test(value)) return value
  return `'${value.replace(/'/g, `'\\''`)}'`
}
