/**
 * The request-level kill matrix (issue 17) on one secret with three targets, two file stores and
 * the AWS emulator, through the built CLI. One contract call can be several requests (promote is
 * two), so the action-level matrix (crash-matrix.test.ts) cannot cut between them. Here the
 * emulator counts the mutating requests of this world's secret and, right after the Nth was
 * applied and before its answer leaves, the test SIGKILLs rotor: for every N of a rotation.
 * Then for every N: the next apply converges with nothing lost, no target ever lacks a valid
 * version, the old value stays valid through grace, nothing is left behind (labels, pending
 * versions, temp files, locks), the run after that has nothing to do, the audit log verifies and
 * names every version's rotation.
 */
import {type ChildProcess, spawn} from 'node:child_process'
import {ListSecretVersionIdsCommand, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {TEST_CREDENTIALS} from '../emulators/aws/fixture.js'
import {type AwsEmulator, type Mutation, startAwsEmulator} from '../emulators/aws/server.js'
import {json} from '../support/cli.js'
import {currentValues, expectAuditVerifies, expectConverged, expectNoOutage} from './support/checks.js'
import {at, makeWorld, ROOT, type World} from './support/world.js'

const CREATED = at(0)
const DUE = at(31)
const RECOVERY = at(31, 1)
const GRACE_MS = 86_400_000
const AFTER_GRACE = at(32, 5)
/** More than the mutating AWS requests of one rotation; the counting test fails if it ever is not. */
const MAX_REQUESTS = 10

const BIN = join(ROOT, 'bin/run.js')
const FAKE_CLOCK = new URL('../support/fake-clock.mjs', import.meta.url).href

/** Like runCli, but hands out the child so the emulator's hook can kill it mid-request. */
function startCli(world: World, args: string[], now: string): {child: ChildProcess; exited: Promise<{code: number | null; signal: NodeJS.Signals | null; stderr: string}>} {
  const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1'}
  for (const name of ['ROTOR_CONFIG', 'ROTOR_FILE_KEY', 'FORCE_COLOR', 'ROTOR_HOME']) delete env[name]
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: world.dir,
    env: {...env, XDG_CONFIG_HOME: join(world.dir, '.user-config'), ...world.env, ROTOR_TEST_NOW: now, NODE_OPTIONS: `--import=${FAKE_CLOCK}`},
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (d) => (stderr += d))
  const exited = new Promise<{code: number | null; signal: NodeJS.Signals | null; stderr: string}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal, stderr})),
  )
  return {child, exited}
}

describe('request-level kill matrix (file, AWS): SIGKILL after each mutating AWS request of a rotation', () => {
  let aws: AwsEmulator
  let raw: SecretsManagerClient
  /** Per world (the first segment of its AWS paths): what to do after each of its mutating requests. */
  const hooks = new Map<string, (m: Mutation) => Promise<void>>()
  const requests: string[] = []

  beforeAll(async () => {
    aws = await startAwsEmulator({credentials: [TEST_CREDENTIALS]})
    raw = new SecretsManagerClient({region: aws.region, endpoint: aws.endpoint, credentials: TEST_CREDENTIALS, maxAttempts: 1})
    aws.afterMutation = (m) => hooks.get(m.secretId.split('/')[0])?.(m)
    // An undisturbed rotation, to learn its mutating requests.
    const world = await makeWorld({name: 'count', emulators: {aws}})
    try {
      expect((await world.cli(['apply', '--yes'], CREATED)).code).toBe(0)
      hooks.set('count', async (m) => {
        requests.push(`${m.operation} ${m.secretId}`)
      })
      const run = await world.cli(['apply', '--yes'], DUE)
      expect(run.code, run.stderr).toBe(0)
    } finally {
      hooks.delete('count')
      await world.close()
    }
  })
  afterAll(async () => {
    raw?.destroy()
    await aws?.close()
  })

  it('covers every mutating request of the rotation', () => {
    expect(requests.length, requests.join('\n')).toBeGreaterThanOrEqual(3)
    expect(requests.length, requests.join('\n')).toBeLessThanOrEqual(MAX_REQUESTS)
    const ops = requests.map((r) => r.split(' ')[0])
    // Staging, both halves of the promotion, rotor's meta.
    expect(ops).toContain('PutSecretValue')
    expect(ops.filter((o) => o === 'UpdateSecretVersionStage').length).toBeGreaterThanOrEqual(2)
    expect(ops).toContain('TagResource')
    // The count per store goes into the closing note.
    console.info(`request-level kill points, AWS: ${requests.length} (${ops.join(', ')})`)
  })

  const ns = Array.from({length: MAX_REQUESTS}, (_, i) => i + 1)
  it.concurrent.for(ns)('killed after mutating request %i, the next apply converges with nothing left behind', {timeout: 240_000}, async (n, {skip}) => {
    if (n > requests.length) skip()
    const name = `r${n}`
    const world = await makeWorld({name, emulators: {aws}})
    try {
      const create = await world.cli(['apply', '--yes', '--json'], CREATED)
      expect(create.code, create.stderr).toBe(0)
      const oldValue = currentValues(await world.inspect())[0]

      const run = startCli(world, ['apply', '--yes', '--json'], DUE)
      let seen = 0
      hooks.set(name, async () => {
        if (++seen !== n) return
        run.child.kill('SIGKILL')
        await run.exited
      })
      const killed = await run.exited
      hooks.delete(name)
      expect(killed.signal, `run ${n} was not killed (${requests[n - 1]}): ${killed.stderr}`).toBe('SIGKILL')
      expectNoOutage(await world.inspect(), oldValue, `after the kill after ${requests[n - 1]}`)

      const recovery = await world.cli(['apply', '--yes', '--json'], RECOVERY)
      expect(recovery.code, recovery.stdout + recovery.stderr).toBe(0)
      const recovered = await world.inspect()
      const newValue = expectConverged(recovered, oldValue)
      for (const target of recovered) {
        expect(target.versions.filter((v) => v.role === 'pending'), `${target.target} pending`).toEqual([])
        expect(target.versions.map((v) => v.rotationId), target.target).toHaveLength(2)
        expect(Date.parse(target.meta.graceEndsAt ?? ''), `${target.target} grace`).toBeGreaterThanOrEqual(Date.parse(DUE) + GRACE_MS)
      }

      // No stray label: AWSPENDING nowhere (a cut promotion leaves it on the current version).
      const listed = await raw.send(new ListSecretVersionIdsCommand({SecretId: `${name}/api`}))
      expect((listed.Versions ?? []).flatMap((v) => v.VersionStages ?? []).sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS'])

      // Nothing to do: no clean-up (a stray AWSPENDING would plan one), no retire, no repair.
      const settled = await world.cli(['plan', '--detailed-exitcode', '--json'], RECOVERY)
      expect(settled.code, settled.stdout).toBe(0)
      expect(json(settled)).toMatchObject({actions: [], blocked: []})
      const status = json<{secrets: Array<{health: string}>}>(await world.cli(['status', '--json'], RECOVERY))
      expect(status.secrets[0].health).not.toBe('leftover')

      // No temp files, locks or break guards left next to the stores, the audit log or the run lock.
      const debris = [...(await readdir(world.dir)), ...(await readdir(join(world.dir, '.rotor')).catch(() => []))].filter((f) =>
        /\.tmp-|\.lock$|\.break$/.test(f),
      )
      expect(debris).toEqual([])

      const entries = await world.auditEntries()
      // Through the CLI, which finds the audit key where the runs that wrote the log kept it.
      await expectAuditVerifies((args) => world.cli(args, RECOVERY), `after kill at request ${n}`)
      for (const target of recovered) {
        for (const v of target.versions) {
          if (!v.rotationId) continue
          expect(
            entries.some((e) => typeof e.rotationId === 'string' && v.rotationId!.startsWith(e.rotationId)),
            `${target.target} version ${v.id} (rotation ${v.rotationId}) has no audit entry`,
          ).toBe(true)
        }
      }

      const retire = await world.cli(['apply', '--yes', '--json'], AFTER_GRACE)
      expect(retire.code, retire.stderr).toBe(0)
      const finalStates = await world.inspect()
      for (const s of finalStates) expect([...s.values.values()], `${s.target} still accepts the old value`).toEqual([newValue])
      const done = await world.cli(['plan', '--detailed-exitcode'], AFTER_GRACE)
      expect(done.code, done.stdout).toBe(0)
    } finally {
      hooks.delete(name)
      await world.close()
    }
  })
})
