/**
 * examples/postgres.yaml on a private cluster (test/support/postgres.ts): the example written into
 * `dir` with the cluster's port, and the administrator's one-time setup run exactly as the issuer's
 * policy prints it (database `app`, rotor_admin, the group and the two login roles), rotor_admin's
 * password set to `adminPassword`.
 */
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import pg from 'pg'
import {parse} from 'yaml'
import {postgresIssuerFactory} from '../../../providers/issuers/postgres/factory.js'
import {ROOT} from '../../support/cli.js'
import type {PostgresServer} from '../../support/postgres.js'

export async function setUpPostgresExample(server: PostgresServer, dir: string, adminPassword: string): Promise<void> {
  const config = (await readFile(join(ROOT, 'examples/postgres.yaml'), 'utf8')).replaceAll('5432', String(server.port))
  await writeFile(join(dir, 'rotor.yaml'), config)
  const raw = parse(config) as {issuers: Record<string, Record<string, unknown>>; secrets: Record<string, {issuer: Record<string, unknown>}>}
  const {type: _type, ...settings} = raw.issuers['app-db']
  const {name: _name, ...binding} = raw.secrets['app-db'].issuer
  const policy = postgresIssuerFactory.policy!({
    issuerName: 'app-db',
    settings: postgresIssuerFactory.settings.parse(settings),
    bindings: [{secret: 'app-db', binding: postgresIssuerFactory.binding.parse(binding)}],
  })
  const superuser = new pg.Client({host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database: 'postgres'})
  await superuser.connect()
  try {
    await superuser.query('CREATE DATABASE app')
    await superuser.query(policy.document)
    await superuser.query(`ALTER ROLE rotor_admin PASSWORD '${adminPassword}'`)
  } finally {
    await superuser.end()
  }
}
