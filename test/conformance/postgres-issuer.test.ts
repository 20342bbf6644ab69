/**
 * The PostgreSQL issuer against a private cluster (test/support/postgres.ts): the shared issuer
 * contract in both modes (two alternating roles; single-user), judged by logging in with a
 * separate pg client, and what only PostgreSQL has: SCRAM verifiers instead of plain passwords in
 * the server log, doctor's privilege checks, quoting, the admin password from another secret.
 */
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import pg from 'pg'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {postgresIssuerFactory} from '../../providers/issuers/postgres/factory.js'
import {scramVerifier} from '../../providers/issuers/postgres/scram.js'
import type {IssuerClient, IssuerContext} from '../../providers/issuers/types.js'
import {SecretValue} from '../../providers/types.js'
import {AuthError, ConflictError, InvalidRequestError, UnavailableError} from '../../src/errors/index.js'
import {logsIn, type PostgresServer, skipPostgresLoudly, startPostgres} from '../support/postgres.js'
import {type IssuerFixture, runIssuerConformance} from './issuer-suite.js'

const skip = skipPostgresLoudly('the PostgreSQL issuer tests')
const ADMIN = 'rotor_admin'
const ADMIN_PASSWORD = 'Admin-Pass-for-tests-7Q'
const quote = (name: string) => `"${name.replaceAll('"', '""')}"`

let server: PostgresServer
let superuser: pg.Client
let baseDir: string
let counter = 0

/** Logs in as the value's role through a separate pg client: true when accepted, false when refused. */
const authenticates = (value: SecretValue) => logsIn(server, value.fields() as {username: string; password: string})

/** Fresh NOLOGIN roles in a fresh group, as `rotor policy` tells an administrator to create them. */
async function createRoles(roles: string[], group?: string): Promise<void> {
  if (group) await superuser.query(`CREATE ROLE ${quote(group)} NOLOGIN`)
  for (const role of roles) await superuser.query(`CREATE ROLE ${quote(role)} NOLOGIN INHERIT${group ? ` IN ROLE ${quote(group)}` : ''}`)
}

function context(extra: Partial<IssuerContext> = {}): IssuerContext {
  return {baseDir, env: {PG_ADMIN_PASSWORD: ADMIN_PASSWORD}, now: () => new Date(), ...extra}
}

async function issuer(binding: unknown, settings: Record<string, unknown> = {}, ctx = context()): Promise<IssuerClient> {
  const parsed = postgresIssuerFactory.settings.parse({host: server.host, port: server.port, user: ADMIN, passwordEnv: 'PG_ADMIN_PASSWORD', ...settings})
  return postgresIssuerFactory.create('app-db', parsed, postgresIssuerFactory.binding.parse(binding), ctx)
}

async function fixture(mode: 'dual' | 'single'): Promise<IssuerFixture> {
  const n = ++counter
  const group = `conf${n}_group`
  const roles = mode === 'dual' ? [`conf${n}_a`, `conf${n}_b`] : [`conf${n}_app`]
  await createRoles(roles, group)
  const client = await issuer(mode === 'dual' ? {roles, group} : {role: roles[0], group})
  return {client, authenticates, close: () => client.close()}
}

describe.skipIf(skip)('PostgreSQL issuer (private cluster)', () => {
  beforeAll(async () => {
    baseDir = await mkdtemp(join(tmpdir(), 'rotor-pg-issuer-'))
    server = await startPostgres()
    superuser = new pg.Client({host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database: 'postgres'})
    await superuser.connect()
    // rotor's admin is not a superuser: CREATEROLE only, as `rotor policy` prints it.
    await superuser.query(`CREATE ROLE ${ADMIN} WITH LOGIN CREATEROLE PASSWORD '${ADMIN_PASSWORD}'`)
  }, 120_000)
  afterAll(async () => {
    await superuser?.end()
    await server?.stop()
    await rm(baseDir, {recursive: true, force: true})
  })

  const dual = postgresIssuerFactory.capabilities(postgresIssuerFactory.binding.parse({roles: ['a', 'b']}))
  const single = postgresIssuerFactory.capabilities(postgresIssuerFactory.binding.parse({role: 'a'}))
  runIssuerConformance('postgres (alternating roles)', postgresIssuerFactory, dual, () => fixture('dual'))
  runIssuerConformance('postgres (single user)', postgresIssuerFactory, single, () => fixture('single'))

  describe('PostgreSQL specifics', () => {
    it('sends a SCRAM-SHA-256 verifier: the plain password is in neither the server log nor pg_authid', async () => {
      await createRoles(['log_a', 'log_b'], 'log_group')
      const client = await issuer({roles: ['log_a', 'log_b'], group: 'log_group'})
      const password = `Plain-${Date.now()}-NeverLogged`
      const issued = await client.issue({rotationId: 'rot-log', keep: [], secret: new SecretValue(password)})
      await client.close()
      expect(await authenticates(issued.value)).toBe(true)
      const log = server.serverLog()
      expect(log).toMatch(/ALTER ROLE "log_a" WITH LOGIN PASSWORD 'SCRAM-SHA-256\$4096:/)
      expect(log).not.toContain(password)
      const stored = (await superuser.query<{rolpassword: string}>("SELECT rolpassword FROM pg_authid WHERE rolname = 'log_a'")).rows[0]
      expect(stored.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/)
    })

    it("computes the same verifier as the server's own SCRAM-SHA-256 for the same salt", async () => {
      await superuser.query("CREATE ROLE scram_probe NOLOGIN PASSWORD 'Server-hashed-pass-42'")
      const {rolpassword} = (await superuser.query<{rolpassword: string}>("SELECT rolpassword FROM pg_authid WHERE rolname = 'scram_probe'")).rows[0]
      const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(rolpassword)!
      expect(scramVerifier('Server-hashed-pass-42', {salt: Buffer.from(salt, 'base64'), iterations: Number(iterations)})).toBe(rolpassword)
    })

    it('revoke leaves the role NOLOGIN with a password nobody knows; list calls it inactive', async () => {
      await createRoles(['rv_a', 'rv_b'], 'rv_group')
      const client = await issuer({roles: ['rv_a', 'rv_b'], group: 'rv_group'})
      const first = await client.issue({rotationId: 'rot-rv', keep: [], secret: new SecretValue('First-password-123456')})
      await client.revoke('rv_a', 'delete')
      await superuser.query('ALTER ROLE rv_a LOGIN') // an administrator's slip does not bring the old password back
      expect(await authenticates(first.value)).toBe(false)
      await superuser.query('ALTER ROLE rv_a NOLOGIN')
      expect(await client.list()).toEqual([
        {id: 'rv_a', state: 'inactive'},
        {id: 'rv_b', state: 'inactive'},
      ])
      await client.close()
    })

    it('quotes role names: a name with a quote, a space and a semicolon is one role', async () => {
      const odd = ['odd "a"; DROP ROLE rotor_admin; --', 'odd b']
      await createRoles(odd, 'odd group')
      const client = await issuer({roles: odd, group: 'odd group'})
      const issued = await client.issue({rotationId: 'rot-odd', keep: [], secret: new SecretValue("Quote'd-pass-1234567")})
      expect(issued.id).toBe(odd[0])
      expect(await authenticates(issued.value)).toBe(true)
      expect((await superuser.query("SELECT 1 FROM pg_roles WHERE rolname = 'rotor_admin'")).rowCount).toBe(1)
      expect((await client.doctor()).filter((c) => !c.ok)).toEqual([])
      await client.close()
    })

    it('refuses to touch a role outside the binding', async () => {
      await createRoles(['own_a', 'own_b'])
      const client = await issuer({roles: ['own_a', 'own_b']})
      await expect(client.revoke(ADMIN, 'delete')).rejects.toBeInstanceOf(InvalidRequestError)
      const foreign = SecretValue.fromFields({username: server.adminUser, password: server.adminPassword})
      await expect(client.check(foreign)).rejects.toBeInstanceOf(AuthError)
      await client.close()
    })

    it('doctor names what is missing: a role, group membership, CREATEROLE', async () => {
      await createRoles(['doc_a'], 'doc_group')
      await createRoles(['doc_b']) // not in the group
      const client = await issuer({roles: ['doc_a', 'doc_b'], group: 'doc_group'})
      const checks = await client.doctor()
      expect(checks).toContainEqual(expect.objectContaining({check: 'role doc_b is a member of doc_group', ok: false, hint: 'GRANT doc_group TO doc_b'}))
      expect(checks).toContainEqual(expect.objectContaining({check: 'role doc_a is a member of doc_group', ok: true}))
      await client.close()

      const missing = await issuer({roles: ['doc_a', 'doc_missing']})
      expect(await missing.doctor()).toContainEqual(expect.objectContaining({check: 'role doc_missing exists', ok: false}))
      await expect(missing.issue({rotationId: 'rot-missing', keep: ['doc_a'], secret: new SecretValue('Missing-role-pass-123')})).rejects.toThrow(/doc_missing/)
      await missing.close()

      await superuser.query("CREATE ROLE weak_admin LOGIN PASSWORD 'Weak-admin-pass-1234'")
      const weak = await issuer({roles: ['doc_a', 'doc_b']}, {user: 'weak_admin'}, context({env: {PG_ADMIN_PASSWORD: 'Weak-admin-pass-1234'}}))
      const weakChecks = await weak.doctor()
      expect(weakChecks).toContainEqual(expect.objectContaining({check: 'weak_admin may set the password of doc_a (ALTER ROLE)', ok: false, hint: 'ALTER ROLE weak_admin CREATEROLE'}))
      const denied = await weak.issue({rotationId: 'rot-weak', keep: [], secret: new SecretValue('Weak-issue-pass-1234')}).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(denied).toBeInstanceOf(AuthError)
      expect((denied as AuthError).hint).toContain('CREATEROLE')
      await weak.close()
    })

    it('reads the admin password from another rotor secret (its password field)', async () => {
      await createRoles(['sec_a', 'sec_b'])
      const asked: string[] = []
      const secretValue = async (name: string) => {
        asked.push(name)
        return SecretValue.fromFields({username: ADMIN, password: ADMIN_PASSWORD})
      }
      const client = await issuer({roles: ['sec_a', 'sec_b']}, {passwordEnv: undefined, passwordSecret: 'pg-admin'}, context({env: {}, secretValue}))
      const issued = await client.issue({rotationId: 'rot-sec', keep: [], secret: new SecretValue('From-secret-pass-1234')})
      expect(asked).toEqual(['pg-admin'])
      expect(await authenticates(issued.value)).toBe(true)
      await client.close()
    })

    it('tells a wrong admin password (AuthError) from an unreachable server (UnavailableError), never echoing a value', async () => {
      await createRoles(['err_a', 'err_b'])
      const wrong = await issuer({roles: ['err_a', 'err_b']}, {}, context({env: {PG_ADMIN_PASSWORD: 'not-the-admin-password'}}))
      const authError = await wrong.list().then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(authError).toBeInstanceOf(AuthError)
      expect((authError as Error).message).not.toContain('not-the-admin-password')
      await wrong.close()

      const closedPort = await issuer({roles: ['err_a', 'err_b']}, {port: 1, connectTimeoutSeconds: 5})
      const value = SecretValue.fromFields({username: 'err_a', password: 'Some-password-123456'})
      const unavailable = await closedPort.check(value).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(unavailable).toBeInstanceOf(UnavailableError)
      expect((unavailable as Error).message).not.toContain('Some-password-123456')
      await expect(closedPort.list()).rejects.toBeInstanceOf(UnavailableError)
      await closedPort.close()
    })

    it('single-user mode overwrites its one role, and doctor says grace is zero', async () => {
      await createRoles(['solo'])
      const client = await issuer({role: 'solo'})
      const first = await client.issue({rotationId: 'rot-solo-1', keep: [], secret: new SecretValue('Solo-first-pass-1234')})
      const second = await client.issue({rotationId: 'rot-solo-2', keep: ['solo'], secret: new SecretValue('Solo-second-pass-123')})
      expect(second.id).toBe('solo')
      expect(await authenticates(first.value)).toBe(false)
      expect(await authenticates(second.value)).toBe(true)
      expect(await client.doctor()).toContainEqual(expect.objectContaining({check: 'grace window for solo', ok: true, detail: expect.stringMatching(/grace is ZERO/)}))
      await client.close()
    })

    it('the policy SQL runs as printed, and a binding set up with it passes doctor and rotates', async () => {
      const settings = postgresIssuerFactory.settings.parse({host: server.host, port: server.port, user: 'policy_admin', passwordEnv: 'PG_ADMIN_PASSWORD'})
      const binding = postgresIssuerFactory.binding.parse({roles: ['pol_a', 'pol_b'], group: 'pol_app'})
      const policy = postgresIssuerFactory.policy!({issuerName: 'app-db', settings, bindings: [{secret: 'app-db', binding}]})
      await superuser.query(policy.document)
      await superuser.query(`ALTER ROLE policy_admin PASSWORD '${ADMIN_PASSWORD}'`)
      const client = await issuer(binding, {user: 'policy_admin'})
      expect((await client.doctor()).filter((c) => !c.ok)).toEqual([])
      const first = await client.issue({rotationId: 'rot-pol-1', keep: [], secret: new SecretValue('Policy-first-pass-123')})
      const second = await client.issue({rotationId: 'rot-pol-2', keep: [first.id], secret: new SecretValue('Policy-second-pass-12')})
      expect([first.id, second.id]).toEqual(['pol_a', 'pol_b'])
      expect(await authenticates(first.value)).toBe(true)
      expect(await authenticates(second.value)).toBe(true)
      // The login roles get the group's privileges: CONNECT was granted to the group only.
      const granted = await superuser.query("SELECT has_database_privilege('pol_b', 'postgres', 'CONNECT') AS ok")
      expect(granted.rows[0].ok).toBe(true)
      await client.close()
    })

    it('refuses a third credential while both roles are kept (ConflictError with a hint)', async () => {
      await createRoles(['full_a', 'full_b'])
      const client = await issuer({roles: ['full_a', 'full_b']})
      expect(client.nextId(['full_a', 'full_b'])).toBeUndefined()
      await expect(client.issue({rotationId: 'rot-full', keep: ['full_a', 'full_b'], secret: new SecretValue('Third-pass-12345678')})).rejects.toBeInstanceOf(ConflictError)
      await client.close()
    })
  })
})
