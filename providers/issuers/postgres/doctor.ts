/**
 * What `rotor doctor` asks the server, read-only: may the admin role set each login role's
 * password, do the roles exist, are they members of the group that holds the privileges.
 */
import type pg from 'pg'
import type {DoctorCheck} from '../../types.js'

interface RoleRow {
  rolname: string
  rolsuper: boolean
  rolcreaterole: boolean
}

/**
 * Who may `ALTER ROLE x PASSWORD`: a superuser; else, up to PostgreSQL 15, a role with CREATEROLE
 * (for a role that is not a superuser); from 16 on CREATEROLE plus ADMIN OPTION on that role (the
 * creating role gets it automatically).
 */
export async function adminRights(admin: pg.Client, adminUser: string, roles: string[], group?: string): Promise<DoctorCheck[]> {
  const version = Number((await admin.query<{v: string}>("SELECT current_setting('server_version_num') AS v")).rows[0].v)
  const names = [adminUser, ...roles, ...(group ? [group] : [])]
  const rows = (
    await admin.query<RoleRow>('SELECT rolname, rolsuper, rolcreaterole FROM pg_catalog.pg_roles WHERE rolname = ANY($1::text[])', [names])
  ).rows
  const byName = new Map(rows.map((row) => [row.rolname, row]))
  const me = byName.get(adminUser)
  const checks: DoctorCheck[] = []
  for (const role of roles) {
    const target = byName.get(role)
    if (!target) {
      checks.push({check: `role ${role} exists`, ok: false, hint: `create it as a NOLOGIN role (\`rotor policy\` prints the SQL)`})
      continue
    }
    checks.push({check: `role ${role} exists`, ok: true})
    checks.push(await alterCheck(admin, me, adminUser, target, version))
  }
  if (group) {
    if (!byName.has(group)) {
      checks.push({check: `group role ${group} exists`, ok: false, hint: `CREATE ROLE ${group} NOLOGIN and grant it the privileges (\`rotor policy\`)`})
      return checks
    }
    checks.push({check: `group role ${group} exists`, ok: true})
    for (const role of roles.filter((r) => byName.has(r))) {
      const {member, usage} = (
        await admin.query<{member: boolean; usage: boolean}>("SELECT pg_has_role($1, $2, 'MEMBER') AS member, pg_has_role($1, $2, 'USAGE') AS usage", [role, group])
      ).rows[0]
      checks.push({
        check: `role ${role} is a member of ${group}`,
        ok: member && usage,
        ...(member && !usage ? {detail: `${role} is NOINHERIT: it has ${group}'s privileges only after SET ROLE`} : {}),
        ...(member && usage ? {} : {hint: member ? `ALTER ROLE ${role} INHERIT` : `GRANT ${group} TO ${role}`}),
      })
    }
  }
  return checks
}

async function alterCheck(admin: pg.Client, me: RoleRow | undefined, adminUser: string, target: RoleRow, version: number): Promise<DoctorCheck> {
  const check = `${adminUser} may set the password of ${target.rolname} (ALTER ROLE)`
  if (me?.rolsuper) return {check, ok: true, detail: `${adminUser} is a superuser; CREATEROLE is enough`}
  if (target.rolsuper) return {check, ok: false, detail: `${target.rolname} is a superuser`, hint: 'bind roles that are not superusers'}
  if (!me?.rolcreaterole) return {check, ok: false, hint: `ALTER ROLE ${adminUser} CREATEROLE`}
  if (version < 160000) return {check, ok: true}
  const adminOption = (
    await admin.query<{ok: boolean}>("SELECT pg_has_role($1, $2, 'MEMBER WITH ADMIN OPTION') AS ok", [adminUser, target.rolname])
  ).rows[0].ok
  return adminOption ? {check, ok: true} : {check, ok: false, hint: `GRANT ${target.rolname} TO ${adminUser} WITH ADMIN OPTION, INHERIT FALSE, SET FALSE`}
}
