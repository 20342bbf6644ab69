import {existsSync} from 'node:fs'
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {json, runCli} from '../support/cli.js'

const store = `version: 1
stores:
  local:
    type: file
secrets:
`

/** Each case: the secrets section, and what stderr must say (file:line:column: key: message). */
const cases: Array<{name: string; secrets: string; expected: string}> = [
  {
    name: 'an unknown key, with a suggestion',
    secrets: '  api:\n    maxAge: 30d\n    gracee: 1h\n    targets: [local:api]\n',
    expected: 'rotor.yaml:8:5: secrets.api.gracee: unknown key "gracee"',
  },
  {
    name: 'a target naming an unknown store',
    secrets: '  api:\n    maxAge: 30d\n    targets: [remote:api]\n',
    expected: 'rotor.yaml:8:15: secrets.api.targets[0]: unknown store "remote"',
  },
  {
    name: 'an invalid cron expression',
    secrets: '  api:\n    schedule: "61 * * * *"\n    targets: [local:api]\n',
    expected: 'rotor.yaml:7:15: secrets.api.schedule',
  },
  {
    name: 'a grace window not shorter than the rotation interval',
    secrets: '  api:\n    maxAge: 1d\n    grace: 2d\n    targets: [local:api]\n',
    expected: 'rotor.yaml:8:12: secrets.api.grace: grace 2d must be shorter than the rotation interval of 1d',
  },
  {
    name: 'a generator policy under 128 bits',
    secrets: '  api:\n    maxAge: 30d\n    generator: {length: 16, alphabet: hex}\n    targets: [local:api]\n',
    expected: 'rotor.yaml:8:17: secrets.api.generator.length: entropy 64.0 bits is below the minimum of 128 bits',
  },
  {
    name: 'duplicate targets',
    secrets: '  api:\n    maxAge: 30d\n    targets: [local:api, local:api]\n',
    expected: 'rotor.yaml:8:26: secrets.api.targets[1]: duplicate target "local:api"',
  },
  {
    name: 'duplicate secret names',
    secrets: '  api:\n    maxAge: 30d\n    targets: [local:a]\n  api:\n    maxAge: 30d\n    targets: [local:b]\n',
    expected: 'rotor.yaml:9:3',
  },
]

describe('bad input: clear message, exit 65, no store touched', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-bad-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  for (const c of cases) {
    it(`rejects ${c.name}`, async () => {
      await writeFile(join(dir, 'rotor.yaml'), store + c.secrets)
      const result = await runCli(['apply', '--yes'], {cwd: dir})
      expect(result.code).toBe(65)
      expect(result.stderr).toContain(c.expected)
      expect(result.stdout).toBe('')
      expect(existsSync(join(dir, '.rotor'))).toBe(false)
    })
  }

  it('reports config problems as JSON under --json, with the same exit code', async () => {
    await writeFile(join(dir, 'rotor.yaml'), store + cases[0].secrets)
    const result = await runCli(['plan', '--json'], {cwd: dir})
    expect(result.code).toBe(65)
    expect(json(result)).toMatchObject({
      error: {code: 'CONFIG_INVALID', problems: [{file: expect.stringContaining('rotor.yaml'), line: 8, column: 5, key: 'secrets.api.gracee'}]},
    })
  })

  it('names a missing config file and how to create one', async () => {
    const result = await runCli(['status'], {cwd: dir})
    expect(result.code).toBe(65)
    expect(result.stderr).toContain('rotor init')
  })

  it('rejects a bad flag value with exit 64, naming the flag', async () => {
    await writeFile(join(dir, 'rotor.yaml'), `${store}  api:\n    maxAge: 30d\n    targets: [local:api]\n`)
    const at = await runCli(['plan', '--at', 'next tuesday'], {cwd: dir})
    expect(at.code).toBe(64)
    expect(at.stderr).toContain('--at')
    const unknown = await runCli(['apply', '--frobnicate'], {cwd: dir})
    expect(unknown.code).toBe(64)
    expect(unknown.stderr).toContain('--frobnicate')
    const select = await runCli(['apply', '--yes', '--select', 'nope'], {cwd: dir})
    expect(select.code).toBe(64)
    expect(select.stderr).toContain('no secret named "nope"')
    expect(existsSync(join(dir, '.rotor/secrets.enc'))).toBe(false)
    expect(existsSync(join(dir, '.rotor/audit.log'))).toBe(false)
  })
})
