/**
 * `rotor get` against the AWS emulator through the built CLI (issue 15 item 1, the `get --reveal`
 * start-up target): what it asks of AWS, and that every way of finding credentials still works now
 * that the SDK's credential chain (profiles, SSO, process, IMDS) loads only when it is needed.
 */
import {existsSync, readFileSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type AwsEmulator, startAwsEmulator} from '../../emulators/aws/server.js'
import {TEST_CREDENTIALS} from '../../emulators/aws/fixture.js'
import {json, ROOT, runCli} from '../../support/cli.js'

const TRACE = pathToFileURL(join(ROOT, 'test/support/load-trace.mjs')).href

/** Bundle files a run loaded (test/support/load-trace.mjs), with their text. */
function loadedFiles(traceFile: string): Array<{file: string; text: string}> {
  if (!existsSync(traceFile)) return []
  const urls = [...new Set(readFileSync(traceFile, 'utf8').trim().split('\n'))]
  return urls.map((url) => ({file: url.slice(url.indexOf('/dist/cli/') + 1), text: readFileSync(fileURLToPath(url), 'utf8')}))
}
/** Code of @aws-sdk/credential-provider-node (the SDK's default chain) and of zod, by what only they contain. */
const CREDENTIAL_CHAIN = 'credentialsTreatedAsExpired'
const ZOD = '"ZodError"'

/** No key of the test process's own reaches the CLI; IMDS is off so a miss fails at once. */
const NO_AWS_ENV: NodeJS.ProcessEnv = {
  AWS_ACCESS_KEY_ID: undefined,
  AWS_SECRET_ACCESS_KEY: undefined,
  AWS_SESSION_TOKEN: undefined,
  AWS_PROFILE: undefined,
  AWS_DEFAULT_PROFILE: undefined,
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
}

describe('rotor get against AWS (built CLI)', () => {
  let dir: string
  let aws: AwsEmulator
  let keysEnv: NodeJS.ProcessEnv
  let profileEnv: NodeJS.ProcessEnv
  const cli = (args: string[], env: NodeJS.ProcessEnv = keysEnv, cwd = dir) => runCli(args, {cwd, env})

  async function counted<T>(run: () => Promise<T>): Promise<{result: T; calls: Record<string, number>}> {
    aws.resetCalls()
    const result = await run()
    return {result, calls: {...aws.calls}}
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-get-cli-'))
    aws = await startAwsEmulator({credentials: [TEST_CREDENTIALS]})
    keysEnv = {...NO_AWS_ENV, AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId, AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey}
    // Shared config files as `aws configure` writes them: `ops` holds the emulator's key, `wrong` another.
    const credentials = join(dir, 'aws-credentials')
    const config = join(dir, 'aws-config')
    await writeFile(
      credentials,
      [
        '[ops]',
        `aws_access_key_id = ${TEST_CREDENTIALS.accessKeyId}`,
        `aws_secret_access_key = ${TEST_CREDENTIALS.secretAccessKey}`,
        '[wrong]',
        `aws_access_key_id = ${TEST_CREDENTIALS.accessKeyId}`,
        'aws_secret_access_key = not-the-emulators-key',
        '',
      ].join('\n'),
    )
    await writeFile(config, ['[profile ops]', `region = ${aws.region}`, '[profile wrong]', `region = ${aws.region}`, ''].join('\n'))
    profileEnv = {...NO_AWS_ENV, AWS_SHARED_CREDENTIALS_FILE: credentials, AWS_CONFIG_FILE: config}
    await writeFile(
      join(dir, 'rotor.yaml'),
      ['version: 1', 'stores:', `  aws: {type: aws, region: ${aws.region}, endpoint: "${aws.endpoint}"}`, 'secrets:', '  api-key: {maxAge: 30d, targets: ["aws:get/api-key"]}', ''].join('\n'),
    )
    const created = await cli(['apply', '--yes', '--json'])
    expect(created.code, created.stderr).toBe(0)
  }, 120_000)
  afterAll(async () => {
    await aws?.close()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  /** The emulator's AWSCURRENT version of the secret. */
  const current = () => [...(aws.state.secrets.get('get/api-key')?.versions.values() ?? [])].find((v) => v.stages.includes('AWSCURRENT'))

  it('get --reveal prints the value read with one GetSecretValue, and describes nothing', async () => {
    const {result, calls} = await counted(() => cli(['get', 'api-key', '--reveal']))
    expect(result.code, result.stderr).toBe(0)
    expect(current()?.secretString).toMatch(/\S{16,}/)
    expect(result.stdout).toBe(`${current()?.secretString}\n`)
    expect(calls).toEqual({GetSecretValue: 1})
  })

  it('get --reveal --json still carries the version: id, role and creation time', async () => {
    const {result, calls} = await counted(() => cli(['get', 'api-key', '--reveal', '--json']))
    expect(result.code, result.stderr).toBe(0)
    const doc = json<{value: string; versionId: string; role: string; createdAt: string}>(result)
    expect(doc).toMatchObject({value: current()?.secretString, versionId: current()?.id, role: 'current'})
    expect(Date.parse(doc.createdAt)).toBe(current()?.createdAt)
    expect(calls.GetSecretValue).toBe(1)
  })

  it('get without --reveal describes the version and reads no value', async () => {
    const {result, calls} = await counted(() => cli(['get', 'api-key']))
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('value: [redacted]')
    expect(calls.GetSecretValue).toBeUndefined()
  })

  it('a secret rotor has not created yet: get --reveal says to run apply', async () => {
    const other = await mkdtemp(join(tmpdir(), 'rotor-get-cli-missing-'))
    try {
      await writeFile(
        join(other, 'rotor.yaml'),
        ['version: 1', 'stores:', `  aws: {type: aws, region: ${aws.region}, endpoint: "${aws.endpoint}"}`, 'secrets:', '  later: {maxAge: 30d, targets: ["aws:get/later"]}', ''].join('\n'),
      )
      const result = await cli(['get', 'later', '--reveal'], keysEnv, other)
      expect(result.code).not.toBe(0)
      expect(result.stderr).toContain('later has no value yet')
      expect(result.stderr).toContain('rotor apply')
    } finally {
      await rm(other, {recursive: true, force: true})
    }
  })

  it('credentials from a named profile in the shared files (AWS_PROFILE): the SDK chain, loaded on demand', async () => {
    const good = await cli(['get', 'api-key', '--reveal'], {...profileEnv, AWS_PROFILE: 'ops'})
    expect(good.code, good.stderr).toBe(0)
    expect(good.stdout.trim()).toBe(current()?.secretString)
    // The profile's own key signs the request: another profile's key is refused by the emulator.
    const wrong = await cli(['get', 'api-key', '--reveal'], {...profileEnv, AWS_PROFILE: 'wrong'})
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr).toMatch(/signature|credential|denied/i)
  })

  it('with keys in the environment, get loads neither the credential chain nor zod; with a profile it loads the chain', async () => {
    const keysTrace = join(dir, 'trace-keys.txt')
    const keys = await runCli(['get', 'api-key', '--reveal'], {cwd: dir, preload: [TRACE], env: {...keysEnv, ROTOR_TEST_LOAD_TRACE: keysTrace}})
    expect(keys.code, keys.stderr).toBe(0)
    const loaded = loadedFiles(keysTrace)
    expect(loaded.some((f) => f.text.includes('SecretsManagerClient')), loaded.map((f) => f.file).join('\n')).toBe(true)
    expect(loaded.filter((f) => f.text.includes(CREDENTIAL_CHAIN)).map((f) => f.file)).toEqual([])
    expect(loaded.filter((f) => f.text.includes(ZOD)).map((f) => f.file)).toEqual([])
    const profileTrace = join(dir, 'trace-profile.txt')
    const profile = await runCli(['get', 'api-key', '--reveal'], {cwd: dir, preload: [TRACE], env: {...profileEnv, AWS_PROFILE: 'ops', ROTOR_TEST_LOAD_TRACE: profileTrace}})
    expect(profile.code, profile.stderr).toBe(0)
    expect(loadedFiles(profileTrace).filter((f) => f.text.includes(CREDENTIAL_CHAIN))).toHaveLength(1)
  })

  it('credentials from the store’s `profile:` setting', async () => {
    const other = await mkdtemp(join(tmpdir(), 'rotor-get-cli-profile-'))
    try {
      await writeFile(
        join(other, 'rotor.yaml'),
        [
          'version: 1',
          'stores:',
          `  aws: {type: aws, region: ${aws.region}, endpoint: "${aws.endpoint}", profile: ops}`,
          'secrets:',
          '  api-key: {maxAge: 30d, targets: ["aws:get/api-key"]}',
          '',
        ].join('\n'),
      )
      const result = await cli(['get', 'api-key', '--reveal'], profileEnv, other)
      expect(result.code, result.stderr).toBe(0)
      expect(result.stdout.trim()).toBe(current()?.secretString)
    } finally {
      await rm(other, {recursive: true, force: true})
    }
  })

  it('no credentials anywhere: get fails and says why', async () => {
    const result = await cli(['get', 'api-key', '--reveal'], {...NO_AWS_ENV, AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_CONFIG_FILE: join(dir, 'none')})
    expect(result.code).not.toBe(0)
    expect(result.stdout).toBe('')
    expect(result.stderr).toMatch(/credential/i)
  })
})
