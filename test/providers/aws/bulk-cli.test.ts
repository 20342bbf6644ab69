/**
 * Bulk inventory through the built CLI: `plan` and `status` over many AWS secrets read them with
 * ListSecrets pages and one ListSecretVersionIds a secret, not a DescribeSecret each.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type AwsEmulator, startAwsEmulator} from '../../emulators/aws/server.js'
import {TEST_CREDENTIALS} from '../../emulators/aws/fixture.js'
import {json, runCli} from '../../support/cli.js'

const SECRETS = 120

describe('bulk inventory of AWS secrets (built CLI)', () => {
  let dir: string
  let aws: AwsEmulator
  let env: NodeJS.ProcessEnv
  const cli = (args: string[]) => runCli(args, {cwd: dir, env})

  async function counted<T>(run: () => Promise<T>): Promise<{result: T; calls: Record<string, number>}> {
    const before = {...aws.calls}
    const result = await run()
    const calls: Record<string, number> = {}
    for (const [op, n] of Object.entries(aws.calls)) if (n - (before[op] ?? 0) > 0) calls[op] = n - (before[op] ?? 0)
    return {result, calls}
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-bulk-cli-'))
    aws = await startAwsEmulator({credentials: [TEST_CREDENTIALS]})
    env = {
      AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }
    const secrets = Array.from({length: SECRETS}, (_, i) => `  k${i}: {maxAge: 30d, grace: 24h, targets: ["aws:inv/s${String(i).padStart(3, '0')}"]}`)
    await writeFile(join(dir, 'rotor.yaml'), ['version: 1', 'stores:', `  aws: {type: aws, region: ${aws.region}, endpoint: "${aws.endpoint}"}`, 'secrets:', ...secrets, ''].join('\n'))
    const created = await cli(['apply', '--yes', '--json'])
    expect(created.code, created.stderr).toBe(0)
  }, 120_000)
  afterAll(async () => {
    await aws?.close()
    await rm(dir, {recursive: true, force: true})
  })

  it('plan reads 120 secrets with 2 ListSecrets calls and one ListSecretVersionIds each, no DescribeSecret', async () => {
    const {result, calls} = await counted(() => cli(['plan', '--json', '--detailed-exitcode']))
    expect(result.code, result.stderr).toBe(0)
    expect(json<{actions: unknown[]}>(result).actions).toEqual([])
    expect(calls).toEqual({ListSecrets: 2, ListSecretVersionIds: SECRETS})
  })

  it('status says every secret is ok from the same reads', async () => {
    const {result, calls} = await counted(() => cli(['status', '--json']))
    expect(result.code, result.stderr).toBe(0)
    const secrets = json<{secrets: Array<{health: string}>}>(result).secrets
    expect(secrets).toHaveLength(SECRETS)
    expect(new Set(secrets.map((s) => s.health))).toEqual(new Set(['ok']))
    expect(calls).toEqual({ListSecrets: 2, ListSecretVersionIds: SECRETS})
  })
})
