/** The PostgreSQL issuer's pure parts: schemas, capabilities, policy SQL, quoting, SCRAM format. */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {parse} from 'yaml'
import {describe, expect, it} from 'vitest'
import {effectiveSslMode, postgresIssuerFactory as factory, postgresSingleUserWarning, rolesOf} from '../../../providers/issuers/postgres/factory.js'
import {scramVerifier} from '../../../providers/issuers/postgres/scram.js'
import {quoteIdent, quoteLiteral} from '../../../providers/issuers/postgres/sql.js'
import {issuerRegistry} from '../../../providers/issuers/registry.js'
import {ROOT} from '../../support/cli.js'

const base = {host: '127.0.0.1', user: 'rotor_admin', passwordEnv: 'PGADMIN_PASSWORD'}
const messages = (result: {success: boolean; error?: {issues: Array<{message: string; path: PropertyKey[]}>}}) =>
  (result.error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`)

describe('postgres issuer settings', () => {
  it('defaults port, database and the timeout; loopback goes without TLS, another host verifies it', () => {
    const local = factory.settings.parse(base)
    expect(local).toMatchObject({port: 5432, database: 'postgres', connectTimeoutSeconds: 10, allowInsecureTransport: false})
    expect(effectiveSslMode(local)).toBe('disable')
    expect(effectiveSslMode(factory.settings.parse({...base, host: '/var/run/postgresql'}))).toBe('disable')
    expect(effectiveSslMode(factory.settings.parse({...base, host: 'db.internal'}))).toBe('verify-full')
  })

  it('refuses ssl: disable to another host unless allowInsecureTransport, naming the host', () => {
    const refused = factory.settings.safeParse({...base, host: 'db.internal', ssl: 'disable'})
    expect(refused.success).toBe(false)
    expect(messages(refused).join('\n')).toMatch(/^ssl: .*db\.internal is not this machine/)
    expect(factory.settings.safeParse({...base, host: 'db.internal', ssl: 'disable', allowInsecureTransport: true}).success).toBe(true)
    expect(factory.settings.safeParse({...base, host: '127.0.0.2', ssl: 'disable'}).success).toBe(true)
  })

  it('takes the admin password from exactly one of passwordEnv and passwordSecret', () => {
    expect(factory.settings.safeParse({...base, passwordSecret: 'pg-admin'}).success).toBe(false)
    const {passwordEnv: _unused, ...withoutPassword} = base
    expect(messages(factory.settings.safeParse(withoutPassword))).toEqual([expect.stringMatching(/^passwordEnv: set exactly one of passwordEnv/)])
    expect(factory.settings.safeParse({...withoutPassword, passwordSecret: 'pg-admin'}).success).toBe(true)
    expect(factory.settings.safeParse({...base, password: 'inline'}).success).toBe(false)
  })
})

describe('postgres issuer binding', () => {
  it('two roles alternate (maxValid 2); one role is single-user mode (maxValid 1); never deactivates', () => {
    const dual = factory.binding.parse({roles: ['app_a', 'app_b'], group: 'app'})
    expect(factory.capabilities(dual)).toEqual({accepts: true, mints: false, maxValid: 2, deactivates: false, lists: true})
    expect(factory.capabilities(factory.binding.parse({role: 'app'})).maxValid).toBe(1)
    expect(factory.capabilities(factory.binding.parse({roles: ['app']})).maxValid).toBe(1)
    expect(rolesOf(factory.binding.parse({role: 'app'}))).toEqual(['app'])
  })

  it('has a loud single-user warning naming the secret, the role and the way out', () => {
    const warning = postgresSingleUserWarning('app', 'app-db')
    expect(warning).toMatch(/^WARNING: secret app-db rotates the PostgreSQL role app in single-user mode: grace is ZERO\./)
    expect(warning).toContain('roles: [app_a, app_b]')
    expect(postgresSingleUserWarning('app')).toMatch(/^WARNING: the PostgreSQL role app is rotated in single-user mode/)
  })

  it('refuses bindings that cannot work, saying why', () => {
    expect(messages(factory.binding.safeParse({}))).toEqual(['roles: set either roles: [a, b] or role: a'])
    expect(factory.binding.safeParse({roles: ['a', 'b'], role: 'a'}).success).toBe(false)
    expect(messages(factory.binding.safeParse({roles: ['a', 'a']}))).toEqual(['roles: the two roles must differ'])
    expect(factory.binding.safeParse({roles: ['a', 'b', 'c']}).success).toBe(false)
    expect(messages(factory.binding.safeParse({roles: ['a', 'b'], group: 'a'}))).toEqual(['group: the group role must not be one of the login roles'])
    expect(messages(factory.binding.safeParse({role: 'x'.repeat(64)})).join('\n')).toMatch(/63 bytes/)
  })

  it('is registered as type postgres with the username/password fields', () => {
    expect(issuerRegistry.postgres).toBe(factory)
    expect(factory.fields).toEqual(['username', 'password'])
    expect(factory.secretField).toBe('password')
  })

  it("parses examples/postgres.yaml's issuer settings and binding", () => {
    const example = parse(readFileSync(join(ROOT, 'examples/postgres.yaml'), 'utf8')) as {
      issuers: Record<string, Record<string, unknown>>
      secrets: Record<string, {issuer: Record<string, unknown>}>
    }
    const {type, ...settings} = example.issuers['app-db']
    const {name, ...binding} = example.secrets['app-db'].issuer
    expect([type, name]).toEqual(['postgres', 'app-db'])
    expect(factory.settings.safeParse(settings).success).toBe(true)
    expect(factory.capabilities(factory.binding.parse(binding)).maxValid).toBe(2)
  })
})

describe('postgres issuer policy', () => {
  const settings = factory.settings.parse({...base, database: 'app'})
  it('creates the CREATEROLE admin, the group with CONNECT, and NOLOGIN login roles in the group', () => {
    const policy = factory.policy!({issuerName: 'app-db', settings, bindings: [{secret: 'app-db', binding: factory.binding.parse({roles: ['app_a', 'app_b'], group: 'app'})}]})
    expect(policy.format).toBe('text')
    const statements = policy.document.split('\n').filter((line) => line !== '' && !line.startsWith('--'))
    expect(statements).toEqual([
      'CREATE ROLE "rotor_admin" WITH LOGIN CREATEROLE;',
      'CREATE ROLE "app" NOLOGIN;',
      'CREATE ROLE "app_a" NOLOGIN INHERIT IN ROLE "app";',
      'CREATE ROLE "app_b" NOLOGIN INHERIT IN ROLE "app";',
      'GRANT CONNECT ON DATABASE "app" TO "app";',
    ])
    expect(policy.document).toContain('-- GRANT "app_a" TO "rotor_admin" WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;')
    expect(policy.notes?.join('\n')).toMatch(/SCRAM-SHA-256/)
  })

  it('says single-user mode has no grace, and grants to the roles when there is no group', () => {
    const policy = factory.policy!({issuerName: 'db', settings, bindings: [{secret: 'solo', binding: factory.binding.parse({role: 'we"ird'})}]})
    expect(policy.document).toContain('SINGLE-USER MODE, grace is zero')
    expect(policy.document).toContain('CREATE ROLE "we""ird" NOLOGIN INHERIT;')
    expect(policy.document).toContain('GRANT CONNECT ON DATABASE "app" TO "we""ird";')
  })
})

describe('postgres quoting and SCRAM', () => {
  it('quotes identifiers and literals so no input ends the statement', () => {
    expect(quoteIdent('a"; DROP ROLE x; --')).toBe('"a""; DROP ROLE x; --"')
    expect(quoteLiteral("it's")).toBe("'it''s'")
    expect(quoteLiteral('back\\slash')).toBe("E'back\\\\slash'")
    expect(() => quoteIdent('nul\0')).toThrow(TypeError)
  })

  it('builds a SCRAM-SHA-256 verifier that does not contain the password and is salted', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64')
    const verifier = scramVerifier('pencil', {salt})
    expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:W22ZaJ0SNY7soEsUEjb6gQ==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/)
    expect(verifier).not.toContain('pencil')
    expect(scramVerifier('pencil', {salt})).toBe(verifier)
    expect(scramVerifier('pencil')).not.toBe(scramVerifier('pencil'))
    expect(() => scramVerifier('pässword')).toThrow(/printable ASCII/)
  })
})
