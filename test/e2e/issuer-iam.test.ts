/**
 * examples/aws-iam.yaml through the built CLI against moto (IAM auth mode, test/support/moto.ts):
 * apply mints the first key; rotate mints the second and both log in during grace; after grace the
 * old key is Inactive at IAM (refused) and after `deleteAfter` it is deleted. Keys are judged by IAM
 * itself (an STS call signed with the key, ListAccessKeys), not by rotor.
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {parseDocument} from 'yaml'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type CliResult, ROOT, runCli} from '../support/cli.js'
import {authenticatesAs, createIamUser, iamKeys, type MotoServer, motoUnavailable, startMoto} from '../support/moto.js'

const EXAMPLE = join(ROOT, 'examples', 'aws-iam.yaml')

const unavailable = motoUnavailable()
if (unavailable) console.warn(`\n!!! SKIPPING test/e2e/issuer-iam.test.ts: ${unavailable}\n`)

const T0 = '2026-03-02T04:00:00Z'
const ROTATED_AT = '2026-03-02T05:00:00Z'
const DURING_GRACE = '2026-03-02T12:00:00Z'
// grace 1d after ROTATED_AT, then deleteAfter 1d.
const AFTER_GRACE = '2026-03-03T06:00:00Z'
const AFTER_DELETE = '2026-03-04T07:00:00Z'
const LEAKED = '2026-03-05T08:00:00Z'
const ROTATED_AGAIN = '2026-03-05T09:00:00Z'
const LEAKED_IN_GRACE = '2026-03-05T10:00:00Z'

type Key = {accessKeyId: string; secretAccessKey: string}

describe.skipIf(unavailable !== undefined)('aws-iam issuer end to end (examples/aws-iam.yaml, built CLI, moto)', () => {
  let dir: string
  let moto: MotoServer
  let user: string
  let env: NodeJS.ProcessEnv
  const outputs: CliResult[] = []
  const cli = async (args: string[], now: string) => {
    const result = await runCli(args, {cwd: dir, now, env})
    outputs.push(result)
    return result
  }
  /** Every key read back: no command's output but `get --reveal`'s may show its secret part. */
  const keysSeen: Key[] = []
  const read = async (now: string, role: 'current' | 'previous' = 'current'): Promise<Key> => {
    const result = await cli(['get', 'ci-deploy-key', '--role', role, '--reveal'], now)
    expect(result.code, result.stderr).toBe(0)
    const key = JSON.parse(result.stdout.trim()) as Key
    keysSeen.push(key)
    return key
  }
  const works = (key: Key) => authenticatesAs(moto, user, key)
  let first: Key
  let second: Key

  beforeAll(async () => {
    moto = await startMoto()
    user = await createIamUser(moto, 'ci-deployer')
    dir = await mkdtemp(join(tmpdir(), 'rotor-iam-e2e-'))
    const config = parseDocument(await readFile(EXAMPLE, 'utf8'))
    config.setIn(['issuers', 'ci-iam', 'endpoint'], moto.endpoint)
    config.setIn(['issuers', 'ci-iam', 'region'], moto.region)
    config.setIn(['secrets', 'ci-deploy-key', 'issuer', 'user'], user)
    await writeFile(join(dir, 'rotor.yaml'), config.toString())
    env = {
      AWS_ACCESS_KEY_ID: moto.admin.accessKeyId,
      AWS_SECRET_ACCESS_KEY: moto.admin.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }
  })

  afterAll(async () => {
    await moto?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('apply mints the first key and stores it', async () => {
    const apply = await cli(['apply', '--yes'], T0)
    expect(apply.code, apply.stderr).toBe(0)
    first = await read(T0)
    expect(await iamKeys(moto, user)).toEqual([{id: first.accessKeyId, status: 'Active'}])
    expect(await works(first)).toBe(true)
  })

  it('rotate mints the second key; during grace both keys log in', async () => {
    const rotate = await cli(['rotate', '--yes', 'ci-deploy-key'], ROTATED_AT)
    expect(rotate.code, rotate.stderr).toBe(0)
    second = await read(DURING_GRACE)
    expect(second.accessKeyId).not.toBe(first.accessKeyId)
    expect((await read(DURING_GRACE, 'previous')).accessKeyId).toBe(first.accessKeyId)
    expect((await iamKeys(moto, user)).map((k) => k.status)).toEqual(['Active', 'Active'])
    expect(await works(first)).toBe(true)
    expect(await works(second)).toBe(true)
  })

  it('after grace the old key is Inactive at IAM and refused; the new one works', async () => {
    const apply = await cli(['apply', '--yes'], AFTER_GRACE)
    expect(apply.code, apply.stderr).toBe(0)
    expect(await iamKeys(moto, user)).toEqual(
      expect.arrayContaining([
        {id: first.accessKeyId, status: 'Inactive'},
        {id: second.accessKeyId, status: 'Active'},
      ]),
    )
    expect(await works(first)).toBe(false)
    expect(await works(second)).toBe(true)
  })

  it('after deleteAfter the old key is deleted; exec hands the fields to a consumer', async () => {
    const apply = await cli(['apply', '--yes'], AFTER_DELETE)
    expect(apply.code, apply.stderr).toBe(0)
    expect(await iamKeys(moto, user)).toEqual([{id: second.accessKeyId, status: 'Active'}])
    const exec = await cli(
      ['exec', '--select', 'ci-deploy-key', '--', process.execPath, '-e', 'process.stdout.write(process.env.AWS_ACCESS_KEY_ID + " " + process.env.AWS_SECRET_ACCESS_KEY.length)'],
      AFTER_DELETE,
    )
    expect(exec.code, exec.stderr).toBe(0)
    // exec masks every field of a structured value in the child's output, the key id too.
    expect(exec.stdout).toBe(`[redacted] ${second.secretAccessKey.length}`)
  })

  it('an emergency rotation mints a new key and deletes the leaked one in the same run', async () => {
    const emergency = await cli(['rotate', 'ci-deploy-key', '--emergency', '--reason', 'leaked in a CI log', '--yes', '--json'], LEAKED)
    expect(emergency.code, `${emergency.stdout}\n${emergency.stderr}`).toBe(0)
    const third = await read(LEAKED)
    expect(third.accessKeyId).not.toBe(second.accessKeyId)
    // No grace: the leaked key is gone from IAM right after the run, the new one logs in.
    expect(await iamKeys(moto, user)).toEqual([{id: third.accessKeyId, status: 'Active'}])
    expect(await works(second)).toBe(false)
    expect(await works(third)).toBe(true)
    const audit = await cli(['audit', 'show', '--json'], LEAKED)
    expect(audit.code, audit.stderr).toBe(0)
    expect(audit.stdout).toContain('leaked in a CI log')
    second = third
  })

  it('an emergency during grace (both IAM slots used) leaves only the new key', async () => {
    const rotate = await cli(['rotate', '--yes', 'ci-deploy-key'], ROTATED_AGAIN)
    expect(rotate.code, rotate.stderr).toBe(0)
    const inGrace = await read(ROTATED_AGAIN)
    expect((await iamKeys(moto, user)).map((k) => k.status)).toEqual(['Active', 'Active'])
    const emergency = await cli(['rotate', 'ci-deploy-key', '--emergency', '--reason', 'leaked again', '--yes'], LEAKED_IN_GRACE)
    expect(emergency.code, `${emergency.stdout}\n${emergency.stderr}`).toBe(0)
    const fresh = await read(LEAKED_IN_GRACE)
    expect([second.accessKeyId, inGrace.accessKeyId]).not.toContain(fresh.accessKeyId)
    expect(await iamKeys(moto, user)).toEqual([{id: fresh.accessKeyId, status: 'Active'}])
    expect(await works(inGrace)).toBe(false)
    expect(await works(second)).toBe(false)
    expect(await works(fresh)).toBe(true)
  })

  it('no output of any command showed the secret part of a key (emergencies included)', () => {
    expect(new Set(keysSeen.map((k) => k.accessKeyId)).size).toBe(5)
    for (const output of outputs.filter((o) => !o.stdout.trim().startsWith('{"accessKeyId"'))) {
      for (const key of keysSeen) expect(output.stdout + output.stderr).not.toContain(key.secretAccessKey)
    }
  })
})
