/**
 * A private PostgreSQL cluster for tests: initdb in a temporary folder, a free port on 127.0.0.1,
 * its unix socket in that folder, scram-sha-256 for every connection. The server refuses to run as
 * root, so as root it runs as the `postgres` OS user (runuser). Start one per test file and reuse
 * it across cases: initdb is the slow part.
 *
 * `postgresSkipReason()` tells why no cluster can start (binaries missing); callers warn loudly
 * and skip with that reason, never pass silently.
 */
import {type ChildProcess, execFileSync, spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {existsSync, readdirSync, rmSync} from 'node:fs'
import {chmod, chown, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import pg from 'pg'

export interface PostgresServer {
  url: string
  host: string
  port: number
  /** A superuser of the private cluster. */
  adminUser: string
  adminPassword: string
  database: string
  /** What the server wrote to its log so far (`log_statement = all`: every statement it ran). */
  serverLog(): string
  stop(): Promise<void>
}

const FALLBACK_BINDIR = '/usr/lib/postgresql/15/bin'

function bindir(): string | undefined {
  const candidates: string[] = []
  try {
    candidates.push(execFileSync('pg_config', ['--bindir'], {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim())
  } catch {
    // pg_config missing: try Debian's path.
  }
  candidates.push(FALLBACK_BINDIR)
  // Debian keeps one directory per major version; prefer the newest when pg_config is absent.
  try {
    const versions = readdirSync('/usr/lib/postgresql').filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a))
    candidates.push(...versions.map((v) => `/usr/lib/postgresql/${v}/bin`))
  } catch {
    // no Debian PostgreSQL at all
  }
  return candidates.find((dir) => existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres')))
}

/** Why a cluster cannot start here, or undefined when it can. */
export function postgresSkipReason(): string | undefined {
  if (!bindir()) return `PostgreSQL server binaries not found (no initdb/postgres in \`pg_config --bindir\`, ${FALLBACK_BINDIR} or /usr/lib/postgresql/*/bin); install Debian's postgresql package (.ci/run does)`
  if (process.getuid?.() === 0 && !existsSync('/usr/sbin/runuser') && !existsSync('/sbin/runuser')) return 'running as root without runuser: PostgreSQL refuses to run as root'
  if (process.getuid?.() === 0) {
    try {
      execFileSync('id', ['-u', 'postgres'], {stdio: 'ignore'})
    } catch {
      return 'running as root and there is no `postgres` OS user to run the server as'
    }
  }
  return undefined
}

/** Say loudly why PostgreSQL tests are skipped; returns true when they must be. */
export function skipPostgresLoudly(what: string): boolean {
  const reason = postgresSkipReason()
  if (reason) console.warn(`\n*** SKIPPING ${what}: ${reason} ***\n`)
  return reason !== undefined
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const {port} = server.address() as {port: number}
      server.close(() => resolve(port))
    })
  })
}

function osUser(): {uid: number; gid: number} | undefined {
  if (process.getuid?.() !== 0) return undefined
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], {encoding: 'utf8'}).trim())
  return {uid: id('-u'), gid: id('-g')}
}

/** argv that runs a server program as the postgres OS user when we are root. */
function asServerUser(program: string, args: string[], user: {uid: number} | undefined): [string, string[]] {
  return user ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args]
}

const running = new Set<{pid: number; dir: string}>()
process.once('exit', () => {
  // A test run that dies before afterAll must not leave servers behind: fast shutdown.
  for (const server of running) {
    try {
      process.kill(server.pid, 'SIGQUIT')
    } catch {
      // already gone
    }
    rmSync(server.dir, {recursive: true, force: true})
  }
})

export async function startPostgres(): Promise<PostgresServer> {
  const bin = bindir()
  if (!bin) throw new Error(postgresSkipReason())
  const user = osUser()
  const dir = await mkdtemp(join(tmpdir(), 'rotor-pg-'))
  const data = join(dir, 'data')
  const adminUser = 'rotor_test_super'
  const adminPassword = randomBytes(18).toString('base64url')
  const pwfile = join(dir, 'pwfile')
  await writeFile(pwfile, `${adminPassword}\n`, {mode: 0o600})
  await chmod(dir, 0o700)
  if (user) {
    await chown(dir, user.uid, user.gid)
    await chown(pwfile, user.uid, user.gid)
  }
  const run = (program: string, args: string[]) => {
    const [cmd, argv] = asServerUser(join(bin, program), args, user)
    execFileSync(cmd, argv, {stdio: ['ignore', 'pipe', 'pipe'], cwd: dir})
  }
  try {
    run('initdb', ['-D', data, '-U', adminUser, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'])
  } catch (error) {
    await rm(dir, {recursive: true, force: true})
    const stderr = String((error as {stderr?: Buffer}).stderr ?? '')
    throw new Error(`initdb failed: ${stderr || (error as Error).message}`)
  }
  await rm(pwfile, {force: true})

  let log = ''
  let child: ChildProcess | undefined
  let port = 0
  for (let attempt = 0; attempt < 5 && !child; attempt++) {
    port = await freePort()
    const [cmd, argv] = asServerUser(
      join(bin, 'postgres'),
      [
        '-D', data, '-p', String(port), '-k', dir,
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
        '-c', 'shared_buffers=16MB', '-c', 'max_connections=60',
        '-c', 'log_statement=all', '-c', 'log_connections=off', '-c', 'logging_collector=off',
      ],
      user,
    )
    const candidate = spawn(cmd, argv, {cwd: dir, stdio: ['ignore', 'pipe', 'pipe']})
    candidate.stdout!.on('data', (d) => (log += d))
    candidate.stderr!.on('data', (d) => (log += d))
    const exited = new Promise<void>((resolve) => candidate.once('exit', () => resolve()))
    const ready = await waitReady(port, adminUser, adminPassword, exited)
    if (ready) child = candidate
    else if (!/could not bind|Address already in use/i.test(log)) {
      candidate.kill('SIGKILL')
      await rm(dir, {recursive: true, force: true})
      throw new Error(`postgres did not start:\n${log}`)
    }
  }
  if (!child) {
    await rm(dir, {recursive: true, force: true})
    throw new Error(`postgres found no free port:\n${log}`)
  }
  const postmaster = Number((await readFile(join(data, 'postmaster.pid'), 'utf8')).split('\n')[0])
  const handle = {pid: postmaster, dir}
  running.add(handle)
  const exited = new Promise<void>((resolve) => (child.exitCode === null ? child.once('exit', () => resolve()) : resolve()))
  const host = '127.0.0.1'
  return {
    url: `postgresql://${adminUser}:${adminPassword}@${host}:${port}/postgres`,
    host,
    port,
    adminUser,
    adminPassword,
    database: 'postgres',
    serverLog: () => log,
    async stop() {
      running.delete(handle)
      try {
        process.kill(postmaster, 'SIGINT') // fast shutdown
      } catch {
        // already gone
      }
      await exited
      await rm(dir, {recursive: true, force: true})
    },
  }
}

/** Polls until the server takes a login, or resolves false when it exits first. */
async function waitReady(port: number, user: string, password: string, exited: Promise<void>): Promise<boolean> {
  let gone = false
  void exited.then(() => (gone = true))
  for (let i = 0; i < 600 && !gone; i++) {
    const client = new pg.Client({host: '127.0.0.1', port, user, password, database: 'postgres', connectionTimeoutMillis: 2000})
    client.on('error', () => undefined)
    try {
      await client.connect()
      await client.end()
      return true
    } catch {
      await client.end().catch(() => undefined)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
  return false
}

/**
 * Logs in to the cluster as this user through a plain pg client, the way an application would:
 * true when accepted, false when the server refuses the credential (28P01, 28000); any other
 * failure (server down) throws, so a test never reads "refused" from a broken harness.
 */
export async function logsIn(server: Pick<PostgresServer, 'host' | 'port'>, credential: {username: string; password: string}, database = 'postgres'): Promise<boolean> {
  const client = new pg.Client({host: server.host, port: server.port, database, user: credential.username, password: credential.password})
  client.on('error', () => undefined)
  try {
    await client.connect()
    await client.query('SELECT 1')
    return true
  } catch (error) {
    if (['28P01', '28000'].includes((error as {code?: string}).code ?? '')) return false
    throw error
  } finally {
    await client.end().catch(() => undefined)
  }
}
