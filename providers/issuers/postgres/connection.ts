/**
 * How the issuer reaches the server: TLS per `ssl`, the admin password from the environment or
 * from another rotor secret. Loaded with the client, never at config validation.
 */
import {readFile} from 'node:fs/promises'
import {isAbsolute, resolve} from 'node:path'
import type {ClientConfig} from 'pg'
import {AuthError, InvalidRequestError} from '../../../src/errors/index.js'
import type {IssuerContext} from '../types.js'
import {effectiveSslMode, isLocalHost, type PostgresSettings} from './factory.js'

export async function tlsOptions(settings: PostgresSettings, context: IssuerContext): Promise<ClientConfig['ssl']> {
  const mode = effectiveSslMode(settings)
  if (mode === 'disable') return false
  const ca = settings.caFile ? await readFile(isAbsolute(settings.caFile) ? settings.caFile : resolve(context.baseDir, settings.caFile), 'utf8') : undefined
  if (mode === 'require') return {rejectUnauthorized: false}
  return {
    rejectUnauthorized: true,
    ...(ca ? {ca} : {}),
    // verify-ca trusts the chain but not the host name, as libpq does.
    ...(mode === 'verify-ca' ? {checkServerIdentity: () => undefined} : {}),
  }
}

/** The admin password: `passwordEnv` from the environment, or `passwordSecret`'s current value. */
export async function adminPassword(issuerName: string, settings: PostgresSettings, context: IssuerContext): Promise<string> {
  if (settings.passwordEnv !== undefined) {
    const value = context.env[settings.passwordEnv]
    if (!value) {
      throw new AuthError(`issuer ${issuerName}: the admin password variable ${settings.passwordEnv} is not set`, {
        hint: `export ${settings.passwordEnv} with the password of the PostgreSQL role ${settings.user}`,
      })
    }
    return value
  }
  const name = settings.passwordSecret!
  if (!context.secretValue) {
    throw new InvalidRequestError(`issuer ${issuerName}: the admin password comes from the rotor secret ${name}, which cannot be read here`, {
      hint: 'run through the rotor CLI, or use passwordEnv',
    })
  }
  const value = await context.secretValue(name)
  const fields = value.fields()
  if (fields === undefined) return value.reveal()
  if (typeof fields.password === 'string' && fields.password !== '') return fields.password
  throw new InvalidRequestError(`issuer ${issuerName}: the rotor secret ${name} is structured but has no password field`, {
    hint: 'point passwordSecret at a secret whose value is the password, or a structured value with a password field',
  })
}

export interface Endpoint {
  host: string
  port: number
  database: string
  ssl: ClientConfig['ssl']
  connectionTimeoutMillis: number
}

export async function endpointOf(settings: PostgresSettings, context: IssuerContext, issuerName: string): Promise<Endpoint> {
  if (settings.allowInsecureTransport && effectiveSslMode(settings) === 'disable' && !isLocalHost(settings.host)) {
    context.warn?.(`issuer ${issuerName}: the PostgreSQL connection to ${settings.host} is not encrypted (allowInsecureTransport: true)`)
  }
  return {
    host: settings.host,
    port: settings.port,
    database: settings.database,
    ssl: await tlsOptions(settings, context),
    connectionTimeoutMillis: settings.connectTimeoutSeconds * 1000,
  }
}
