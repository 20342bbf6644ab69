/**
 * moto (a third-party AWS emulator, `moto_server`) for the aws-iam issuer: IAM and STS over the
 * real wire protocol, on a free port, one server per call.
 *
 * moto checks no credentials by default: any signature passes, and STS GetCallerIdentity answers
 * for any key. `startMoto()` therefore turns on moto's IAM auth mode (the `reset-auth` endpoint,
 * the same switch as INITIAL_NO_AUTH_ACTION_COUNT): it first creates an admin user with an
 * allow-all policy and an access key while requests are still unauthenticated, then switches auth
 * on, so from then on every request must be signed by a key moto knows, with its right secret
 * (a wrong secret answers SignatureDoesNotMatch, a deleted key InvalidClientTokenId).
 *
 * One gap remains: moto 5 still accepts a signature made with an *Inactive* key, where AWS
 * refuses it (InvalidClientTokenId). The server is started from a few lines of Python that make
 * moto refuse inactive keys like AWS does (`PATCH` below). Should that patch not apply (another
 * moto layout), `refusesInactiveKeys` is false and fixtures must judge inactive keys another way.
 * See docs/decisions.md ("moto as the IAM issuer's test system").
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import {createServer} from 'node:net'

export interface MotoServer {
  /** http://127.0.0.1:<port> */
  endpoint: string
  region: string
  /** The account moto puts every user in. */
  account: string
  /** An allow-all IAM user's key: the only credential that works once auth is on. */
  admin: {accessKeyId: string; secretAccessKey: string}
  /** Signatures made with an Inactive key are refused (the patch applied). */
  refusesInactiveKeys: boolean
  stop(): Promise<void>
}

const PATCH = `
import sys
refuses = False
try:
    import moto.iam.access_control as ac
    original = ac.IAMUserAccessKey.__init__
    def init(self, account_id, partition, access_key_id, headers):
        original(self, account_id, partition, access_key_id, headers)
        for user in self.backend.list_users("/", None, None):
            for key in user.access_keys:
                if key.access_key_id == access_key_id and key.status != "Active":
                    raise ac.CreateAccessKeyFailure(reason="InvalidId")
    ac.IAMUserAccessKey.__init__ = init
    refuses = True
except Exception as error:
    print("rotor-moto: inactive-key patch not applied: %s" % error, file=sys.stderr)
print("rotor-moto: refuses-inactive=%s" % refuses, file=sys.stderr, flush=True)
from moto.server import main
main(sys.argv[1:])
`

/** How to run moto here: a Python that imports it (patched), else the bare `moto_server`. */
export function findMoto(): {command: string; args: string[]; patched: boolean} | undefined {
  for (const python of ['python3', 'python']) {
    const probe = spawnSync(python, ['-c', 'import moto.server'], {stdio: 'ignore'})
    if (probe.status === 0) return {command: python, args: ['-c', PATCH], patched: true}
  }
  const which = spawnSync('sh', ['-c', 'command -v moto_server'], {encoding: 'utf8'})
  if (which.status === 0 && which.stdout.trim()) return {command: which.stdout.trim(), args: [], patched: false}
  return undefined
}

/** Why moto cannot run here, or undefined when it can (tests skip loudly on a reason). */
export function motoUnavailable(): string | undefined {
  return findMoto() ? undefined : 'moto is not installed (no `moto_server`, no Python that imports moto): pip install "moto[server]"'
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => resolve(port))
    })
  })
}

const REGION = 'us-east-1'

export async function startMoto(options: {auth?: boolean} = {}): Promise<MotoServer> {
  const found = findMoto()
  if (!found) throw new Error(motoUnavailable())
  const port = await freePort()
  const endpoint = `http://127.0.0.1:${port}`
  const child = spawn(found.command, [...found.args, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {...process.env, PYTHONUNBUFFERED: '1'},
  })
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-20_000)))
  const stop = () => stopChild(child)
  try {
    await waitReady(endpoint, child, () => stderr)
    const refusesInactiveKeys = found.patched && /refuses-inactive=True/.test(stderr)
    const admin = await setUpAdmin(endpoint)
    if (options.auth !== false) await motoApi(endpoint, 'reset-auth', '0')
    return {endpoint, region: REGION, account: '123456789012', admin, refusesInactiveKeys, stop}
  } catch (error) {
    await stop()
    throw error
  }
}

async function waitReady(endpoint: string, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}) before it was ready:\n${stderr()}`)
    try {
      const response = await fetch(`${endpoint}/moto-api/data.json`)
      await response.arrayBuffer()
      if (response.ok) return
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within 60 s:\n${stderr()}`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
}

async function motoApi(endpoint: string, path: string, body: string): Promise<void> {
  const response = await fetch(`${endpoint}/moto-api/${path}`, {method: 'POST', body})
  const text = await response.text()
  if (!response.ok) throw new Error(`moto ${path} answered ${response.status}: ${text}`)
}

/** An allow-all user and its key, made while moto still accepts unsigned requests. */
async function setUpAdmin(endpoint: string): Promise<MotoServer['admin']> {
  const {IAMClient, CreateUserCommand, PutUserPolicyCommand, CreateAccessKeyCommand} = await import('@aws-sdk/client-iam')
  const iam = new IAMClient({region: REGION, endpoint, credentials: {accessKeyId: 'AKIAMOTOSETUP0000000', secretAccessKey: 'setup'}, maxAttempts: 1})
  try {
    await iam.send(new CreateUserCommand({UserName: 'rotor-admin'}))
    await iam.send(
      new PutUserPolicyCommand({
        UserName: 'rotor-admin',
        PolicyName: 'all',
        PolicyDocument: JSON.stringify({Version: '2012-10-17', Statement: [{Effect: 'Allow', Action: '*', Resource: '*'}]}),
      }),
    )
    const key = await iam.send(new CreateAccessKeyCommand({UserName: 'rotor-admin'}))
    return {accessKeyId: key.AccessKey!.AccessKeyId!, secretAccessKey: key.AccessKey!.SecretAccessKey!}
  } finally {
    iam.destroy()
  }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
  await exited
  clearTimeout(timer)
}

/** An IAM client signed by moto's admin, straight to moto (no proxy): the tests' own view of IAM. */
export async function adminIam(moto: MotoServer) {
  const {IAMClient} = await import('@aws-sdk/client-iam')
  return new IAMClient({region: moto.region, endpoint: moto.endpoint, credentials: moto.admin, maxAttempts: 1})
}

/** A fresh IAM user, so test cases do not see each other's keys. */
export async function createIamUser(moto: MotoServer, prefix = 'rotor-test'): Promise<string> {
  const {CreateUserCommand} = await import('@aws-sdk/client-iam')
  const iam = await adminIam(moto)
  const user = `${prefix}-${Math.random().toString(36).slice(2, 10)}`
  try {
    await iam.send(new CreateUserCommand({UserName: user}))
  } finally {
    iam.destroy()
  }
  return user
}

/** The user's keys as IAM (moto) tells them, straight from moto. */
export async function iamKeys(moto: MotoServer, user: string): Promise<Array<{id: string; status: string}>> {
  const {ListAccessKeysCommand} = await import('@aws-sdk/client-iam')
  const iam = await adminIam(moto)
  try {
    const out = await iam.send(new ListAccessKeysCommand({UserName: user}))
    return (out.AccessKeyMetadata ?? []).map((k) => ({id: k.AccessKeyId!, status: k.Status!}))
  } finally {
    iam.destroy()
  }
}

/**
 * Does this access key log in as `user`? An STS GetCallerIdentity signed with it, straight to moto
 * (auth mode on), independent of the issuer's client. Where moto would accept an Inactive key (the
 * patch did not apply), the key's status from ListAccessKeys decides too, as AWS would.
 */
export async function authenticatesAs(moto: MotoServer, user: string, fields: Record<string, string> | undefined): Promise<boolean> {
  if (!fields?.accessKeyId || !fields.secretAccessKey) return false
  const {STSClient, GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
  const sts = new STSClient({
    region: moto.region,
    endpoint: moto.endpoint,
    credentials: {accessKeyId: fields.accessKeyId, secretAccessKey: fields.secretAccessKey},
    maxAttempts: 1,
  })
  try {
    const identity = await sts.send(new GetCallerIdentityCommand({}))
    if (identity.Arn !== `arn:aws:iam::${moto.account}:user/${user}`) return false
  } catch (error) {
    const name = (error as {name?: string}).name ?? ''
    if (name === 'InvalidClientTokenId' || name === 'SignatureDoesNotMatch') return false
    throw error
  } finally {
    sts.destroy()
  }
  if (moto.refusesInactiveKeys) return true
  return (await iamKeys(moto, user)).some((k) => k.id === fields.accessKeyId && k.status === 'Active')
}
