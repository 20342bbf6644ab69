/**
 * The issuer crash matrix's fixtures for the real systems: a private PostgreSQL cluster
 * (test/support/postgres.ts) and moto's IAM with auth on (test/support/moto.ts). One server per
 * test file, shared by every world; each world gets its own binding (its own two login roles, its
 * own IAM user), so the concurrent kill points never see each other's credentials. Logging in is
 * independent of rotor: a plain pg client, an STS GetCallerIdentity signed with the stored key.
 */
import {randomBytes} from 'node:crypto'
import pg from 'pg'
import {authenticatesAs, createIamUser, iamKeys, type MotoServer, motoUnavailable, startMoto} from '../../support/moto.js'
import {logsIn, postgresSkipReason, type PostgresServer, startPostgres} from '../../support/postgres.js'
import type {IssuerMatrixFixture} from './issuer-world.js'

const PG_ADMIN = 'rotor_matrix_admin'

interface PostgresShared {
  server: PostgresServer
  adminPassword: string
}

async function superuser<T>(server: PostgresServer, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({host: server.host, port: server.port, user: server.adminUser, password: server.adminPassword, database: server.database})
  await client.connect()
  try {
    return await run(client)
  } finally {
    await client.end()
  }
}

/** PostgreSQL, two alternating login roles per world, rotor logging in as a CREATEROLE admin (not a superuser). */
export const postgresIssuerFixture: IssuerMatrixFixture<PostgresShared> = {
  name: 'postgres',
  unavailable: postgresSkipReason,
  maxActions: 16,
  async start() {
    const server = await startPostgres()
    const adminPassword = randomBytes(18).toString('base64url')
    await superuser(server, (c) => c.query(`CREATE ROLE ${PG_ADMIN} WITH LOGIN CREATEROLE PASSWORD '${adminPassword}'`))
    return {server, adminPassword}
  },
  stop: async (shared) => shared?.server.stop(),
  async bind({server, adminPassword}, world) {
    const base = `mx_${world.name.toLowerCase().replace(/[^a-z0-9]+/g, '_')}`
    const roles = [`${base}_a`, `${base}_b`]
    const group = `${base}_g`
    await superuser(server, async (c) => {
      await c.query(`CREATE ROLE ${group} NOLOGIN`)
      for (const role of roles) await c.query(`CREATE ROLE ${role} NOLOGIN INHERIT IN ROLE ${group}`)
    })
    return {
      issuer: {type: 'postgres', host: server.host, port: server.port, database: server.database, user: PG_ADMIN, passwordEnv: 'PGADMIN_PASSWORD'},
      binding: {roles, group},
      env: {PGADMIN_PASSWORD: adminPassword},
      authenticates: async (value) => logsIn(server, JSON.parse(value) as {username: string; password: string}),
      // A role accepts logins when it may log in at all: revoking sets NOLOGIN (and a password nobody knows).
      accepted: () =>
        superuser(server, async (c) => {
          const rows = await c.query<{rolname: string}>(
            'SELECT rolname FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[]) AND rolcanlogin AND coalesce(rolvaliduntil > now(), true) ORDER BY rolname',
            [roles],
          )
          return rows.rows.map((r) => r.rolname)
        }),
      close: async () => {},
    }
  },
}

/** IAM in moto (auth on, inactive keys refused): one IAM user per world, its keys minted by rotor. */
export const awsIamIssuerFixture: IssuerMatrixFixture<MotoServer> = {
  name: 'aws-iam',
  unavailable: motoUnavailable,
  maxActions: 16,
  start: () => startMoto(),
  stop: async (moto) => moto?.stop(),
  async bind(moto, world) {
    const user = await createIamUser(moto, `mx-${world.name}`.slice(0, 40))
    const keys = () => iamKeys(moto, user)
    return {
      issuer: {type: 'aws-iam', region: moto.region, endpoint: moto.endpoint},
      binding: {user, deleteAfter: '1d'},
      env: {AWS_ACCESS_KEY_ID: moto.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true'},
      authenticates: async (value) => authenticatesAs(moto, user, JSON.parse(value) as Record<string, string>),
      accepted: async () => (await keys()).filter((k) => k.status === 'Active').map((k) => k.id),
      present: async () => (await keys()).map((k) => k.id),
      close: async () => {},
    }
  },
}
