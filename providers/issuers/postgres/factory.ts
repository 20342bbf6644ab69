/**
 * `type: postgres`: database passwords rotated at the server. Dual validity by alternating users
 * (AWS's multi-user strategy): a binding names two login roles, both members of one group role that
 * holds the privileges; each rotation sets a new password on the role that is not current and makes
 * it current, and the previous role keeps working until grace ends. A binding with one role is
 * single-user mode: the only role's password is replaced, so grace is zero.
 * No `pg` import here: `create` loads the client (and `pg`) on first use.
 */
import {z} from 'zod'
import type {IssuerCapabilities, IssuerFactory} from '../types.js'
import {isLoopbackHost} from '../../../src/util/transport.js'
import {postgresPolicy} from './policy.js'

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
/** PostgreSQL truncates identifiers to 63 bytes; a longer name would silently name another role. */
const MAX_IDENTIFIER_BYTES = 63

const identifier = (what: string) =>
  z
    .string()
    .min(1)
    .refine((name) => !name.includes('\0') && Buffer.byteLength(name, 'utf8') <= MAX_IDENTIFIER_BYTES, {
      message: `a ${what} name is 1 to ${MAX_IDENTIFIER_BYTES} bytes without NUL (PostgreSQL truncates longer names)`,
    })

export const sslModes = ['disable', 'require', 'verify-ca', 'verify-full'] as const
export type SslMode = (typeof sslModes)[number]

/** A unix-socket directory or a loopback address: the connection never leaves this machine. */
export function isLocalHost(host: string): boolean {
  return host.startsWith('/') || isLoopbackHost(host)
}

/** The ssl mode in effect: the setting, else `disable` on this machine and `verify-full` elsewhere. */
export function effectiveSslMode(settings: {host: string; ssl?: SslMode}): SslMode {
  return settings.ssl ?? (isLocalHost(settings.host) ? 'disable' : 'verify-full')
}

export function postgresInsecureMessage(host: string): string {
  return `the PostgreSQL connection to ${host} uses ssl: disable and ${host} is not this machine: the admin password and the passwords rotor sets (as SCRAM verifiers) would cross the network unencrypted; use ssl: require or verify-full, or set allowInsecureTransport: true if the network is trusted`
}

const settings = z
  .strictObject({
    host: z
      .string()
      .min(1)
      .describe('Server host name or IP address, or the directory of its unix socket (a path starting with /).'),
    port: z.number().int().min(1).max(65535).default(5432).describe('Server port.'),
    database: identifier('database').default('postgres').describe('Database rotor connects to (the roles are cluster-wide).'),
    user: identifier('role').describe('The role rotor logs in as to set passwords: needs CREATEROLE (see `rotor policy`).'),
    passwordEnv: z
      .string()
      .regex(ENV_NAME)
      .optional()
      .describe('Environment variable holding the admin password. Exactly one of passwordEnv and passwordSecret.'),
    passwordSecret: z
      .string()
      .min(1)
      .optional()
      .describe('Another rotor secret whose current value is the admin password (its `password` field when structured).'),
    ssl: z
      .enum(sslModes)
      .optional()
      .describe('TLS as in libpq\'s sslmode: disable, require (encrypted, unverified), verify-ca, verify-full. Default: disable for loopback and unix sockets, verify-full otherwise.'),
    caFile: z.string().min(1).optional().describe('PEM file of the CA that signed the server certificate (verify-ca, verify-full).'),
    connectTimeoutSeconds: z.number().int().positive().max(600).default(10).describe('Timeout of one connection attempt.'),
    allowInsecureTransport: z
      .boolean()
      .default(false)
      .describe('Allow ssl: disable to a host other than this machine (loopback and unix sockets are always allowed).'),
  })
  .refine((s) => (s.passwordEnv === undefined) !== (s.passwordSecret === undefined), {
    message: 'set exactly one of passwordEnv (an environment variable) and passwordSecret (another rotor secret) for the admin password',
    path: ['passwordEnv'],
  })
  .refine((s) => s.allowInsecureTransport || effectiveSslMode(s) !== 'disable' || isLocalHost(s.host), {
    error: (issue) => postgresInsecureMessage(String((issue.input as {host?: string}).host)),
    path: ['ssl'],
  })
  .describe('PostgreSQL: rotor sets role passwords (as SCRAM-SHA-256 verifiers) through an admin role with CREATEROLE.')

export type PostgresSettings = z.infer<typeof settings>

const binding = z
  .strictObject({
    roles: z
      .array(identifier('role'))
      .min(1)
      .max(2)
      .optional()
      .describe('Two login roles rotor alternates between (old and new both log in during grace); one role is single-user mode.'),
    role: identifier('role').optional().describe('Single-user mode: the one login role. Grace is zero: its old password stops working at once.'),
    group: identifier('role')
      .optional()
      .describe('Group role holding the privileges, of which both roles are members; `rotor doctor` checks the membership.'),
  })
  .refine((b) => (b.roles === undefined) !== (b.role === undefined), {message: 'set either roles: [a, b] or role: a', path: ['roles']})
  .refine((b) => b.roles === undefined || new Set(b.roles).size === b.roles.length, {message: 'the two roles must differ', path: ['roles']})
  .refine((b) => b.group === undefined || !rolesOf(b).includes(b.group), {message: 'the group role must not be one of the login roles', path: ['group']})
  .describe('Which roles of the PostgreSQL issuer this secret rotates.')

export type PostgresBinding = z.infer<typeof binding>

/** The login roles of a binding, in rotation order. */
export function rolesOf(b: {roles?: string[]; role?: string}): string[] {
  return b.roles ?? (b.role === undefined ? [] : [b.role])
}

export function postgresCapabilities(b: PostgresBinding): IssuerCapabilities {
  return {accepts: true, mints: false, maxValid: rolesOf(b).length === 2 ? 2 : 1, deactivates: false, lists: true}
}

/**
 * Said at validate, plan and apply for a single-user binding (the engine shows it whenever
 * capabilities.maxValid is 1 for a postgres binding).
 */
export function postgresSingleUserWarning(role: string, secret?: string): string {
  return `WARNING: ${secret ? `secret ${secret} rotates ` : ''}the PostgreSQL role ${role}${secret ? '' : ' is rotated'} in single-user mode: grace is ZERO. The old password stops working the moment the new one is set, so every client still using it fails until it reads the new value. Bind two roles (roles: [${role}_a, ${role}_b], members of one group role) for a grace window.`
}

export const postgresIssuerFactory: IssuerFactory<PostgresSettings, PostgresBinding> = {
  kind: 'postgres',
  summary: 'PostgreSQL role passwords (alternating login roles)',
  settings,
  binding,
  capabilities: postgresCapabilities,
  fields: ['username', 'password'],
  secretField: 'password',
  policy: (input) => postgresPolicy(input),
  async create(issuerName, parsedSettings, parsedBinding, context) {
    const {createPostgresIssuer} = await import('./client.js')
    return createPostgresIssuer(issuerName, parsedSettings, parsedBinding, context)
  },
}
