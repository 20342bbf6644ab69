/**
 * Handing values over on purpose: `rotor exec` (into a child's environment) and `rotor export`
 * (into a 0600 file). The current value is read from each secret's primary target.
 */
import type {SecretConfig} from '../config/types.js'
import type {StoreSet} from '../engine/stores.js'
import {PLAIN_FIELD, TEMPLATE_FIELD} from '../config/field-names.js'
import {InvalidRequestError, isNotFound, NotFoundError, UsageError} from '../errors/index.js'
import {mapLimit} from '../util/pool.js'
import {SecretValue, type StoreClient, type VersionInfo, type VersionSelector} from '../../providers/types.js'
import {renderTemplate} from './template.js'

export interface HandedValue {
  secret: string
  variable: string
  target: string
  /** The field the variable holds (`password`, `template`); absent for the whole value. */
  field?: string
  value: SecretValue
  /** Every text of the secret a child could print: the variable's, and each field of a structured value. */
  masks: string[]
}

/** `payments-api` -> `PAYMENTS_API`; a leading digit gets a `_` so the name stays valid. */
export function defaultEnvName(secretName: string): string {
  const name = secretName.toUpperCase().replace(/[^A-Z0-9]/g, '_')
  return /^[0-9]/.test(name) ? `_${name}` : name
}

export const envNameOf = (secret: SecretConfig) => secret.env ?? defaultEnvName(secret.name)

/** Which variable gets what: an `env` map as written; otherwise one variable with the template, or the value. */
export function variablesOf(secret: SecretConfig): Array<{variable: string; field?: string}> {
  if (secret.envFields) return Object.entries(secret.envFields).map(([variable, field]) => ({variable, field}))
  return [{variable: envNameOf(secret), ...(secret.template !== undefined ? {field: TEMPLATE_FIELD} : {})}]
}

/** Fails before reading anything when two selected secrets would fill the same variable. */
export function checkEnvNames(secrets: SecretConfig[]): void {
  const seen = new Map<string, string>()
  for (const secret of secrets) {
    for (const {variable} of variablesOf(secret)) {
      const other = seen.get(variable)
      if (other && other !== secret.name) {
        throw new UsageError(`secrets ${other} and ${secret.name} both use the variable ${variable}`, {
          hint: 'set a distinct `env:` on one of them in rotor.yaml, or --select only one',
        })
      }
      seen.set(variable, secret.name)
    }
  }
}

export async function currentValues(secrets: SecretConfig[], stores: StoreSet): Promise<HandedValue[]> {
  if (secrets.length === 0) throw new UsageError('no secrets selected', {hint: 'check --select, or add secrets to rotor.yaml'})
  checkEnvNames(secrets)
  const read = await mapLimit(secrets, 8, async (secret) => {
    const primary = secret.targets[0]
    const client = await stores.get(primary.store)
    const value = await readValueOf(secret.name, client, primary.path, {role: 'current'})
    return handOut(secret, `${primary.store}:${primary.path}`, value)
  })
  return read.flat()
}

/** The variables of one secret from its stored value. */
export function handOut(secret: SecretConfig, target: string, value: SecretValue): HandedValue[] {
  const masks = [value.reveal(), ...Object.values((secret.fields ? value.fields() : undefined) ?? {})]
  return variablesOf(secret).map(({variable, field}) => {
    const handed = field === undefined ? value : valueOfField(secret, target, value, field)
    return {secret: secret.name, variable, target, ...(field !== undefined ? {field} : {}), value: handed, masks: [handed.reveal(), ...masks]}
  })
}

/**
 * One field of a stored value (`get --field`, an `env` map): a field of a structured value, the
 * rendered `template`, or `value` for a plain one. Each result is a SecretValue, so the redactor
 * knows it.
 */
export function valueOfField(secret: SecretConfig, target: string, value: SecretValue, field: string): SecretValue {
  const fields = fieldsOf(secret, target, value)
  if (field === TEMPLATE_FIELD) {
    if (secret.template === undefined) throw new UsageError(`${secret.name} has no template`, {hint: 'add `template:` to the secret in rotor.yaml'})
    return renderTemplate(secret.template, fields)
  }
  const text = fields[field]
  if (text === undefined) {
    throw new UsageError(`${secret.name} has no field ${JSON.stringify(field)}`, {hint: `its fields: ${Object.keys(fields).join(', ')}`})
  }
  return new SecretValue(text)
}

/** Refuses a field the secret's value cannot have, before anything is read. */
export function checkField(secret: SecretConfig, field: string): void {
  if (field === TEMPLATE_FIELD) {
    if (secret.template === undefined) throw new UsageError(`${secret.name} has no template`, {hint: 'add `template:` to the secret in rotor.yaml'})
    return
  }
  const fields = secret.fields ?? [PLAIN_FIELD]
  if (!fields.includes(field)) {
    throw new UsageError(`${secret.name} has no field ${JSON.stringify(field)}`, {hint: `its fields: ${fields.join(', ')}`})
  }
}

/** The fields of a stored value: its issuer's fields (all present), or `value` for a plain secret. */
export function fieldsOf(secret: SecretConfig, target: string, value: SecretValue): Record<string, string> {
  if (!secret.fields) return {[PLAIN_FIELD]: value.reveal()}
  const fields = value.fields()
  const missing = fields ? secret.fields.filter((f) => typeof fields[f] !== 'string') : secret.fields
  if (!fields || missing.length > 0) {
    throw new InvalidRequestError(
      `${secret.name}: the value in ${target} is not the structured value its issuer gives (fields ${secret.fields.join(', ')}; missing ${missing.join(', ')})`,
      {hint: `it was written by another tool, or before \`issuer:\` was set; \`rotor rotate ${secret.name}\` replaces it`},
    )
  }
  return fields
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
