/**
 * The SQL an administrator runs once for a PostgreSQL issuer: the role rotor logs in as (CREATEROLE),
 * and per secret the group role that holds the privileges and the login roles rotor alternates.
 * Pure: no `pg`, no I/O.
 */
import type {PolicyDocument} from '../../types.js'
import type {IssuerPolicyInput} from '../types.js'
import {type PostgresBinding, type PostgresSettings, rolesOf} from './factory.js'
import {quoteIdent} from './sql.js'

export function postgresPolicy(input: IssuerPolicyInput): PolicyDocument {
  const settings = input.settings as PostgresSettings
  const admin = quoteIdent(settings.user)
  const lines = [
    `-- rotor issuer ${input.issuerName}: run as a superuser on ${settings.host}:${settings.port}, database ${settings.database}.`,
    `-- The role rotor logs in as: CREATEROLE lets it set the passwords of roles that are not superusers.`,
    `CREATE ROLE ${admin} WITH LOGIN CREATEROLE;`,
    `-- Then set its password with \\password ${settings.user} (psql sends it hashed) and give it to rotor via ${
      settings.passwordEnv ? `$${settings.passwordEnv}` : `the rotor secret ${settings.passwordSecret}`
    }.`,
  ]
  const pg16: string[] = []
  for (const {secret, binding} of input.bindings) {
    const b = binding as PostgresBinding
    const roles = rolesOf(b)
    lines.push('')
    if (roles.length === 1) lines.push(`-- secret ${secret}: SINGLE-USER MODE, grace is zero (the old password stops working at once).`)
    const grantee = b.group ? quoteIdent(b.group) : roles.map(quoteIdent).join(', ')
    if (b.group) {
      lines.push(`-- secret ${secret}: ${b.group} holds the privileges; ${roles.join(' and ')} log in and inherit them.`)
      lines.push(`CREATE ROLE ${quoteIdent(b.group)} NOLOGIN;`)
    } else {
      lines.push(`-- secret ${secret}: no group role; grant the same privileges to ${roles.join(' and ')}.`)
    }
    for (const role of roles) lines.push(`CREATE ROLE ${quoteIdent(role)} NOLOGIN INHERIT${b.group ? ` IN ROLE ${quoteIdent(b.group)}` : ''};`)
    lines.push(`GRANT CONNECT ON DATABASE ${quoteIdent(settings.database)} TO ${grantee};`)
    lines.push(`-- Grant the application's privileges to ${grantee}, e.g.:`)
    lines.push(`-- GRANT USAGE ON SCHEMA public TO ${grantee};`)
    lines.push(`-- GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${grantee};`)
    for (const role of roles) pg16.push(`-- GRANT ${quoteIdent(role)} TO ${admin} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE;`)
  }
  if (pg16.length > 0) {
    lines.push('', `-- PostgreSQL 16 and later only: CREATEROLE acts on roles ${settings.user} has ADMIN OPTION on`, `-- (automatic for roles it created itself); otherwise run:`, ...pg16)
  }
  return {
    format: 'text',
    title: `PostgreSQL roles and grants for issuer ${input.issuerName}`,
    document: `${lines.join('\n')}\n`,
    notes: [
      'rotor sets passwords as SCRAM-SHA-256 verifiers computed on its side: the plain password never reaches the server log or pg_stat_statements.',
      'Objects a login role creates belong to it, not to the other role: run migrations with SET ROLE to the group role (or ALTER DEFAULT PRIVILEGES) so both roles can use them.',
      'Retiring a role (NOLOGIN + an unusable password) refuses new logins; sessions already open stay open until the client disconnects.',
    ],
  }
}
