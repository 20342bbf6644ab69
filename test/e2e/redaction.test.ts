import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {TEST_CREDENTIALS} from '../emulators/aws/fixture.js'
import {AwsFault} from '../emulators/aws/model.js'
import {type AwsEmulator, startAwsEmulator} from '../emulators/aws/server.js'
import {type CliResult, json, runCli} from '../support/cli.js'

const T0 = '2026-03-02T04:00:00Z'
const ROTATED_AT = '2026-03-02T05:00:00Z'
const LATER = '2026-03-02T12:00:00Z'

/**
 * Every command, run against known values on a file store and the AWS emulator: no value may
 * appear in stdout, stderr or the audit log, except where the command's job is to hand it over
 * (--reveal, exec's child, export's file). Also when a store's error message echoes a value.
 */
describe('redaction across every command (built CLI, AWS emulator)', () => {
  let dir: string
  let aws: AwsEmulator
  let env: NodeJS.ProcessEnv
  let storeNow = T0
  const outputs: Array<{args: string[]} & CliResult> = []
  const cli = async (args: string[], now = LATER) => {
    storeNow = now
    const result = await runCli(args, {cwd: dir, now, env})
    outputs.push({args, ...result})
    return result
  }
  /** Values read with --reveal: on purpose, so kept out of `outputs`. */
  const reveal = async (name: string, role = 'current') =>
    (await runCli(['get', name, '--role', role, '--reveal'], {cwd: dir, now: LATER, env})).stdout.trim()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-redaction-'))
    aws = await startAwsEmulator({credentials: [TEST_CREDENTIALS], now: () => Date.parse(storeNow)})
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
    region: ${aws.region}
    endpoint: ${aws.endpoint}
secrets:
  keyed:
    generator: {prefix: rk_test_, checksum: crc32}
    maxAge: 30d
    environment: production
    targets: [local:keyed, aws:keyed]
  plain:
    maxAge: 30d
    env: PLAIN_TOKEN
    targets: [aws:plain]
`,
    )
  })
  afterAll(async () => {
    await aws?.close()
    await rm(dir, {recursive: true, force: true})
  })

  it('runs every command without printing a value', {timeout: 300_000}, async () => {
    const steps: Array<[string[], string?]> = [
      [['config', 'validate']],
      [['plan'], T0],
      [['apply', '--yes'], T0],
      [['rotate', 'keyed', '--yes'], ROTATED_AT],
      [['status']],
      [['status', '--json']],
      [['get', 'keyed']],
      [['get', 'plain', '--json']],
      [['generate', '--prefix', 'rk_test_', '--checksum', 'crc32']],
      [['doctor']],
      [['audit', 'verify']],
      [['scan']],
      [['check']],
      [['check', '--json']],
      [['policy']],
      [['export', '--output', join(dir, '.rotor/exported.env')]],
      [['exec', '--all', '--', process.execPath, '-e', 'process.exit(process.env.PLAIN_TOKEN && process.env.KEYED ? 0 : 9)']],
    ]
    for (const [args, now] of steps) {
      const result = await cli(args, now)
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
    }
  })

  it('masks a value that a store error echoes, by value once held and by format before', async () => {
    const keyed = await reveal('keyed')
    // A store that echoes the request: rotor holds the value it sent, so the echo is masked.
    const sent: string[] = []
    aws.beforeOperation = (operation, body) => {
      if (typeof body.SecretString === 'string') {
        sent.push(body.SecretString)
        throw new AwsFault('InvalidRequestException', `rejected request {"SecretString":"${body.SecretString}","Other":"${keyed}"}`)
      }
    }
    try {
      const text = await cli(['rotate', 'plain', '--yes'])
      expect(text.code).not.toBe(0)
      expect(text.stdout + text.stderr).toContain('[redacted]')
      expect(sent.length).toBeGreaterThan(0)
      for (const value of sent) expect(text.stdout + text.stderr).not.toContain(value)
      const audit = await readFile(join(dir, '.rotor/audit.log'), 'utf8')
      for (const value of sent) expect(audit).not.toContain(value)
      // status never reads a value: the rotor-format key is masked by its format. (A value
      // without a checksum that this process never held cannot be recognised; a store only
      // echoes what it was sent, and rotor holds every value it sends.)
      aws.beforeOperation = (operation) => {
        // Both the bulk inventory (ListSecrets pages) and a single describe read each secret's versions.
        if (operation === 'DescribeSecret' || operation === 'ListSecretVersionIds') throw new AwsFault('InvalidRequestException', `rejected request {"Other":"${keyed}"}`)
      }
      const status = await cli(['status', '--json'])
      expect(status.stdout).toContain('[redacted]')
      const asJson = await cli(['get', 'keyed', '--target', 'aws:keyed', '--json'])
      expect(json<{error: {message: string}}>(asJson).error.message).toContain('[redacted]')
    } finally {
      aws.beforeOperation = undefined
    }
  })

  it('no value appears in any output or the audit log; exec and export put them only where asked', async () => {
    const values = [await reveal('plain'), await reveal('keyed'), await reveal('keyed', 'previous')]
    expect(new Set(values).size).toBe(3)
    const audit = await readFile(join(dir, '.rotor/audit.log'), 'utf8')
    for (const {args, stdout, stderr} of outputs) {
      for (const value of values) {
        expect(stdout, args.join(' ')).not.toContain(value)
        expect(stderr, args.join(' ')).not.toContain(value)
      }
    }
    for (const value of values) expect(audit).not.toContain(value)
    const exported = await readFile(join(dir, '.rotor/exported.env'), 'utf8')
    expect(exported).toBe(`KEYED=${values[1]}\nPLAIN_TOKEN=${values[0]}\n`)
  })
})
