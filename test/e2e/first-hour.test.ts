/**
 * Issue 18: what a new user trips on in the first hour, through the built CLI: message text,
 * exit code, and which files exist afterwards.
 */
import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {runCli} from '../support/cli.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-first-hour-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

const run = (args: string[], env: NodeJS.ProcessEnv = {}) => runCli(args, {cwd: dir, env})
const problemLines = (stderr: string) => stderr.split('\n').filter((line) => line.includes('rotor.yaml:'))

describe('config messages', () => {
  it('says the version is a number, not a string', async () => {
    await writeFile(join(dir, 'rotor.yaml'), 'version: "1"\nstores:\n  local:\n    type: file\nsecrets: {}\n')
    const result = await run(['config', 'validate'])
    expect(result.code).toBe(65)
    expect(result.stderr).toContain('rotor.yaml:1:10: version: write version: 1 as a number, not a string')
    expect(result.stderr).not.toContain('did you mean')
  })

  it('says a newer version needs a newer rotor, and nothing else', async () => {
    await writeFile(join(dir, 'rotor.yaml'), 'version: 2\nstores:\n  local:\n    type: file\n    futureKey: 1\nsecrets: {}\n')
    const result = await run(['config', 'validate'])
    expect(result.code).toBe(65)
    expect(problemLines(result.stderr)).toEqual([
      expect.stringContaining('rotor.yaml:1:10: version: this file needs a newer rotor (this one reads version 1)'),
    ])
  })

  it('reports one YAML syntax error with its position, not a cascade', async () => {
    const text = [
      'version: 1',
      'stores:',
      '  vault: {type: vault, address: ${VAULT_ADDR}}',
      '  local:',
      '    type: file',
      'secrets:',
      '  a:',
      '    targets: [local:a]',
      '    maxAge: 30d',
      '',
    ].join('\n')
    await writeFile(join(dir, 'rotor.yaml'), text)
    const result = await run(['config', 'validate'])
    expect(result.code).toBe(65)
    const lines = problemLines(result.stderr)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/rotor\.yaml:3:\d+: .*YAML syntax error: .*quote values that contain \$\{\.\.\.\}/)
  })

  it('reports an invalid cron and an invalid time zone of the same schedule together', async () => {
    const text =
      'version: 1\nstores:\n  local:\n    type: file\nsecrets:\n  a:\n    targets: [local:a]\n' +
      '    schedule:\n      cron: "61 * * * *"\n      timezone: Mars/Olympus\n'
    await writeFile(join(dir, 'rotor.yaml'), text)
    const result = await run(['config', 'validate'])
    expect(result.code).toBe(65)
    expect(result.stderr).toContain('rotor.yaml:9:13: secrets.a.schedule.cron: invalid cron expression "61 * * * *"')
    expect(result.stderr).toContain('rotor.yaml:10:17: secrets.a.schedule.timezone: unknown time zone "Mars/Olympus"')
  })

  it('accepts cron macros and explains an unknown one', async () => {
    const secrets = ['@hourly', '@daily', '@weekly', '@monthly', '@yearly']
      .map((macro, i) => `  s${i}:\n    targets: [local:s${i}]\n    grace: 30m\n    schedule: "${macro}"\n`)
      .join('')
    await writeFile(join(dir, 'rotor.yaml'), `version: 1\nstores:\n  local:\n    type: file\nsecrets:\n${secrets}`)
    const ok = await run(['config', 'validate'])
    expect(ok.stderr).toBe('')
    expect(ok.code).toBe(0)

    await writeFile(
      join(dir, 'rotor.yaml'),
      'version: 1\nstores:\n  local:\n    type: file\nsecrets:\n  a:\n    targets: [local:a]\n    schedule: "@fortnightly"\n',
    )
    const bad = await run(['config', 'validate'])
    expect(bad.code).toBe(65)
    expect(bad.stderr).toContain('secrets.a.schedule: unknown cron macro "@fortnightly"; use one of @yearly')
  })
})
