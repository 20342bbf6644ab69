/**
 * Issue 17: AWS promotion is two requests (move AWSCURRENT, then remove AWSPENDING). A kill
 * between them leaves AWSPENDING on the current version; before, every command then said all is
 * well and the label stayed until the next rotation. Reproduced by hand as the issue says, against
 * the emulator and, when it is installed, moto_server; through the built CLI.
 */
import {execFileSync, spawn, type ChildProcess} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {createServer} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {ListSecretVersionIdsCommand, SecretsManagerClient, UpdateSecretVersionStageCommand} from '@aws-sdk/client-secrets-manager'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {startAwsEmulator} from '../../emulators/aws/server.js'
import {TEST_CREDENTIALS} from '../../emulators/aws/fixture.js'
import {json, runCli} from '../../support/cli.js'

interface Endpoint {
  endpoint: string
  region: string
  close(): Promise<void>
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as {port: number}).port
      server.close(() => resolve(port))
    })
    server.on('error', reject)
  })
}

function hasMoto(): boolean {
  try {
    execFileSync('which', ['moto_server'], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

async function startMoto(): Promise<Endpoint> {
  const port = await freePort()
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {stdio: 'ignore'})
  const endpoint = `http://127.0.0.1:${port}`
  for (let i = 0; i < 200; i++) {
    const up = await fetch(`${endpoint}/moto-api/`).then(
      () => true,
      () => false,
    )
    if (up) break
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    endpoint,
    region: 'us-east-1',
    close: async () => {
      child.kill('SIGTERM')
    },
  }
}

const servers: Array<[string, () => Promise<Endpoint>]> = [
  ['emulator', async () => startAwsEmulator({credentials: [TEST_CREDENTIALS]})],
  ...(hasMoto() ? ([['moto_server', startMoto]] as Array<[string, () => Promise<Endpoint>]>) : []),
]

describe.each(servers)('AWSPENDING left on the AWSCURRENT version (%s, built CLI)', (_name, start) => {
  let dir: string
  let server: Endpoint
  let raw: SecretsManagerClient
  let env: NodeJS.ProcessEnv
  const cli = (args: string[]) => runCli(args, {cwd: dir, env})

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-stray-pending-'))
    server = await start()
    raw = new SecretsManagerClient({region: server.region, endpoint: server.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1})
    env = {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }
    await writeFile(
      join(dir, 'rotor.yaml'),
      `version: 1
stores:
  local:
    type: file
  aws:
    type: aws
    region: ${server.region}
    endpoint: ${server.endpoint}
secrets:
  app-key:
    maxAge: 30d
    grace: 24h
    targets: [local:app/key, aws:app/key]
`,
    )
  })
  afterAll(async () => {
    raw?.destroy()
    await server?.close()
    await rm(dir, {recursive: true, force: true})
  })

  const stagesOnAws = async () => {
    const out = await raw.send(new ListSecretVersionIdsCommand({SecretId: 'app/key'}))
    return (out.Versions ?? []).filter((v) => (v.VersionStages ?? []).length > 0).map((v) => ({id: v.VersionId!, stages: [...(v.VersionStages ?? [])].sort()}))
  }

  it('plan shows a clean-up, status and diff do not say ok, apply removes it, the next run has nothing to do', async () => {
    const created = await cli(['apply', '--yes', '--json'])
    expect(created.code, created.stderr).toBe(0)
    const [current] = await stagesOnAws()
    expect(current.stages).toEqual(['AWSCURRENT'])

    // What a kill between the two promotion requests leaves.
    await raw.send(new UpdateSecretVersionStageCommand({SecretId: 'app/key', VersionStage: 'AWSPENDING', MoveToVersionId: current.id}))
    expect(await stagesOnAws()).toEqual([{id: current.id, stages: ['AWSCURRENT', 'AWSPENDING']}])

    const plan = await cli(['plan', '--detailed-exitcode', '--json'])
    expect(plan.code, plan.stderr).toBe(2)
    expect(json<{actions: unknown[]}>(plan).actions).toEqual([
      expect.objectContaining({kind: 'clean-up', secret: 'app-key', target: {store: 'aws', path: 'app/key'}, versionId: current.id}),
    ])
    const planText = await cli(['plan'])
    expect(planText.stdout).toContain(`clean up aws:app/key: AWSPENDING still on the AWSCURRENT version ${current.id}`)

    const status = json<{secrets: Array<{health: string; targets: Array<{target: string; health: string; detail?: string}>}>}>(await cli(['status', '--json']))
    expect(status.secrets[0].health).toBe('leftover')
    expect(status.secrets[0].targets[1]).toMatchObject({target: 'aws:app/key', health: 'leftover', detail: expect.stringContaining('AWSPENDING')})

    const diff = await cli(['diff', '--detailed-exitcode', '--json'])
    expect(diff.code, diff.stderr).toBe(2)
    expect(JSON.stringify(json(diff))).toContain('leftover')

    const repaired = await cli(['apply', '--yes', '--json'])
    expect(repaired.code, repaired.stderr).toBe(0)
    expect(await stagesOnAws()).toEqual([{id: current.id, stages: ['AWSCURRENT']}])
    const audit = (await readFile(join(dir, '.rotor/audit.log'), 'utf8')).split('\n').filter(Boolean).map((l) => JSON.parse(l))
    expect(audit.some((e) => e.action === 'clean-up' && e.target === 'aws:app/key' && e.outcome === 'ok')).toBe(true)

    const after = await cli(['plan', '--detailed-exitcode', '--json'])
    expect(after.code, after.stderr).toBe(0)
    const again = await cli(['diff', '--detailed-exitcode', '--json'])
    expect(again.code, again.stderr).toBe(0)
  })
})
