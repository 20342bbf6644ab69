/**
 * One secret's binding at a PostgreSQL server. The admin connection sets passwords with
 * `ALTER ROLE ... PASSWORD '<SCRAM verifier>'` (see scram.ts: the plain password never reaches the
 * server's log or statistics); `check` logs in as the role itself on a separate connection.
 */
import {randomBytes} from 'node:crypto'
import pg from 'pg'
import {AuthError, ConflictError, InvalidRequestError, RotorError, UnavailableError} from '../../../src/errors/index.js'
import type {DoctorCheck} from '../../types.js'
import {SecretValue} from '../../types.js'
import type {IssueRequest, Issued, IssuerCapabilities, IssuerClient, IssuerContext, IssuerCredential} from '../types.js'
import {adminPassword, type Endpoint, endpointOf} from './connection.js'
import {isConnectionProblem, sqlState, translatePgError} from './errors.js'
import {effectiveSslMode, isLocalHost, type PostgresBinding, postgresCapabilities, postgresSingleUserWarning, type PostgresSettings, rolesOf} from './factory.js'
import {adminRights} from './doctor.js'
import {isScramSafe, scramVerifier} from './scram.js'
import {quoteIdent, quoteLiteral} from './sql.js'

const ADMIN_STATEMENT_TIMEOUT_MS = 30_000

export async function createPostgresIssuer(
  issuerName: string,
  settings: PostgresSettings,
  binding: PostgresBinding,
  context: IssuerContext,
): Promise<IssuerClient> {
  return new PostgresIssuerClient(issuerName, settings, binding, context, await endpointOf(settings, context, issuerName))
}

class PostgresIssuerClient implements IssuerClient {
  readonly capabilities: IssuerCapabilities
  readonly #roles: string[]
  #admin?: Promise<pg.Client>

  constructor(
    readonly issuerName: string,
    private readonly settings: PostgresSettings,
    private readonly binding: PostgresBinding,
    private readonly context: IssuerContext,
    private readonly endpoint: Endpoint,
  ) {
    this.capabilities = postgresCapabilities(binding)
    this.#roles = rolesOf(binding)
  }

  /** Single-user mode always writes its one role (grace is zero); otherwise the role not kept. */
  nextId(keep: string[]): string | undefined {
    if (this.#roles.length === 1) return this.#roles[0]
    return this.#roles.find((role) => !keep.includes(role))
  }

  async list(): Promise<IssuerCredential[]> {
    const rows = await this.#query<{rolname: string; rolcanlogin: boolean; expired: boolean}>(
      'list the roles',
      'SELECT rolname, rolcanlogin, coalesce(rolvaliduntil < now(), false) AS expired FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])',
      [this.#roles],
    )
    const byName = new Map(rows.map((row) => [row.rolname, row]))
    return this.#roles.flatMap((id) => {
      const row = byName.get(id)
      if (!row) return []
      const state: IssuerCredential['state'] = row.rolcanlogin && !row.expired ? 'active' : 'inactive'
      return [{id, state}]
    })
  }

  async issue(request: IssueRequest): Promise<Issued> {
    const password = request.secret ? (request.secret.fields()?.password ?? request.secret.reveal()) : undefined
    if (password === undefined || password === '') {
      throw new InvalidRequestError(`issuer ${this.issuerName}: a PostgreSQL issuer accepts a generated password and got none`)
    }
    if (!isScramSafe(password)) {
      throw new InvalidRequestError(`issuer ${this.issuerName}: the generated password has characters outside printable ASCII`, {
        hint: 'use an ASCII generator alphabet (base62, base64url, hex, alnum-symbols) or custom printable ASCII characters',
      })
    }
    const id = this.nextId(request.keep)
    if (id === undefined) {
      throw new ConflictError(`issuer ${this.issuerName}: both roles ${this.#roles.join(' and ')} are in use (current and still in grace)`, {
        hint: 'wait until the grace window ends and `rotor apply` retires the previous role, then rotate',
      })
    }
    await this.#setPassword(id, password, true, 'set the password of')
    return {id, value: SecretValue.fromFields({username: id, password})}
  }

  async check(value: SecretValue): Promise<void> {
    const {username, password} = this.#credential(value)
    const client = new pg.Client({...this.#connection(), user: username, password, application_name: 'rotor-check'})
    client.on('error', () => undefined)
    try {
      await client.connect()
      await client.query('SELECT 1')
    } catch (error) {
      const state = sqlState(error)
      if (state === '28P01' || state === '28000' || state === '42501') {
        throw new AuthError(`issuer ${this.issuerName}: the role ${username} cannot log in with the stored password (${state})`, {
          cause: error,
          hint: state === '42501' ? `grant CONNECT on database ${this.settings.database} to the group role` : undefined,
        })
      }
      const translated = translatePgError(error, `issuer ${this.issuerName}: log in as ${username}`)
      throw translated instanceof UnavailableError ? translated : new UnavailableError(translated.message, {cause: error, retryable: false})
    } finally {
      await client.end().catch(() => undefined)
    }
  }

  /** NOLOGIN plus a random password nobody knows: refused now and after a later LOGIN by mistake. */
  async revoke(id: string): Promise<void> {
    this.#ownRole(id)
    try {
      await this.#setPassword(id, randomBytes(32).toString('base64url'), false, 'revoke')
    } catch (error) {
      if (error instanceof RotorError && sqlState(error.cause) === '42704') return
      throw error
    }
  }

  credentialId(value: SecretValue): string {
    const username = value.fields()?.username
    if (!username) throw new InvalidRequestError(`issuer ${this.issuerName}: the stored value has no username field`)
    return username
  }

  async doctor(): Promise<DoctorCheck[]> {
    const where = `${this.settings.host}:${this.settings.port}/${this.settings.database}`
    const checks: DoctorCheck[] = []
    let admin: pg.Client
    try {
      admin = await this.#adminClient()
      checks.push({check: `connect to PostgreSQL ${where} as ${this.settings.user}`, ok: true})
    } catch (error) {
      const translated = translatePgError(error, 'connect')
      return [{check: `connect to PostgreSQL ${where} as ${this.settings.user}`, ok: false, detail: translated.message, hint: translated.hint ?? 'check host, port, database, user and the admin password'}]
    }
    if (effectiveSslMode(this.settings) === 'disable' && !isLocalHost(this.settings.host)) {
      checks.push({check: `encrypted connection to ${this.settings.host}`, ok: true, detail: 'not encrypted (allowInsecureTransport: true): the admin password crosses the network in the clear'})
    }
    try {
      checks.push(...(await adminRights(admin, this.settings.user, this.#roles, this.binding.group)))
    } catch (error) {
      const translated = translatePgError(error, 'read the roles')
      checks.push({check: `read pg_roles as ${this.settings.user}`, ok: false, detail: translated.message, hint: translated.hint})
    }
    if (this.#roles.length === 1) {
      checks.push({check: `grace window for ${this.#roles[0]}`, ok: true, detail: postgresSingleUserWarning(this.#roles[0])})
    }
    return checks
  }

  async close(): Promise<void> {
    const admin = this.#admin
    this.#admin = undefined
    if (admin) await (await admin.catch(() => undefined))?.end().catch(() => undefined)
  }

  #connection(): pg.ClientConfig {
    const {host, port, database, ssl, connectionTimeoutMillis} = this.endpoint
    return {host, port, database, ssl, connectionTimeoutMillis}
  }

  #credential(value: SecretValue): {username: string; password: string} {
    const fields = value.fields()
    if (!fields?.username || !fields.password) {
      throw new AuthError(`issuer ${this.issuerName}: the stored value has no username and password fields`, {
        hint: 'a secret bound to a PostgreSQL issuer holds {"username": ..., "password": ...}; rotate it to write one',
      })
    }
    if (!this.#roles.includes(fields.username)) {
      throw new AuthError(`issuer ${this.issuerName}: the stored username is not one of this binding's roles (${this.#roles.join(', ')})`)
    }
    return {username: fields.username, password: fields.password}
  }

  #ownRole(id: string): void {
    if (!this.#roles.includes(id)) {
      throw new InvalidRequestError(`issuer ${this.issuerName}: ${id} is not one of this binding's roles (${this.#roles.join(', ')}); rotor changes no other role`)
    }
  }

  async #setPassword(role: string, password: string, login: boolean, what: string): Promise<void> {
    const verifier = scramVerifier(password)
    const statement = login
      ? `ALTER ROLE ${quoteIdent(role)} WITH LOGIN PASSWORD ${quoteLiteral(verifier)} VALID UNTIL 'infinity'`
      : `ALTER ROLE ${quoteIdent(role)} WITH NOLOGIN PASSWORD ${quoteLiteral(verifier)}`
    await this.#query(`${what} role ${role}`, statement)
  }

  async #adminClient(): Promise<pg.Client> {
    if (!this.#admin) {
      const attempt = (async () => {
        const password = await adminPassword(this.issuerName, this.settings, this.context)
        // A statement stuck behind another session's lock on the role fails (57014, retryable) rather than hangs.
        const client = new pg.Client({...this.#connection(), user: this.settings.user, password, application_name: 'rotor', statement_timeout: ADMIN_STATEMENT_TIMEOUT_MS})
        client.on('error', () => {
          if (this.#admin === attempt) this.#admin = undefined
        })
        client.on('end', () => {
          if (this.#admin === attempt) this.#admin = undefined
        })
        try {
          await client.connect()
        } catch (error) {
          await client.end().catch(() => undefined)
          throw error
        }
        return client
      })()
      this.#admin = attempt
      attempt.catch(() => {
        if (this.#admin === attempt) this.#admin = undefined
      })
    }
    return this.#admin
  }

  async #query<R extends object = Record<string, unknown>>(what: string, text: string, values?: unknown[]): Promise<R[]> {
    const context = `issuer ${this.issuerName}: ${what}`
    let admin: pg.Client
    try {
      admin = await this.#adminClient()
    } catch (error) {
      throw translatePgError(error, `${context} (connect as ${this.settings.user})`, {admin: this.settings.user})
    }
    try {
      return (await admin.query<R>(text, values)).rows
    } catch (error) {
      if (isConnectionProblem(error)) await this.close()
      throw translatePgError(error, context, {admin: this.settings.user})
    }
  }
}
