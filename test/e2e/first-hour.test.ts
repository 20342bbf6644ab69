/**
 * Issue 18: what a new user trips on in the first hour, through the built CLI: message text,
 * exit code, and which files exist afterwards.
 */
import {existsSync} from 'node:fs'
import {mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {ROOT, runCli} from '../support/cli.js'

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

const FILE_STORE = 'version: 1\nstores:\n  local:\n    type: file\nsecrets:\n  api:\n    targets: [local:api]\n    maxAge: 30d\n'

describe('exit codes and usage', () => {
  beforeEach(async () => {
    await writeFile(join(dir, 'rotor.yaml'), FILE_STORE)
    expect((await run(['apply', '--yes'])).code).toBe(0)
  })

  it('exec: 127 for a missing program, 126 for one that is not executable, as env does', async () => {
    const missing = await run(['exec', '--all', '--', 'rotor-no-such-program'])
    expect(missing.code).toBe(127)
    expect(missing.stderr).toContain('cannot run rotor-no-such-program: command not found')
    await writeFile(join(dir, 'not-executable.sh'), 'echo hi\n', {mode: 0o644})
    const notExecutable = await run(['exec', '--all', '--', './not-executable.sh'])
    expect(notExecutable.code).toBe(126)
    expect(notExecutable.stderr).toContain('cannot run ./not-executable.sh: permission denied')
  })

  it("exec's usage line shows where the command goes", async () => {
    const help = await run(['exec', '--help'])
    expect(help.stdout).toContain('$ rotor exec [FLAGS] -- COMMAND [ARGS...]')
  })

  it('scan of a path that does not exist exits 64 and names it', async () => {
    const result = await run(['scan', 'no-such-dir'])
    expect(result.code).toBe(64)
    expect(result.stderr).toContain('no such file or directory: no-such-dir')
  })
})

describe('hints', () => {
  beforeEach(async () => {
    await writeFile(join(dir, 'rotor.yaml'), FILE_STORE)
  })

  it('get, exec and export before the first apply say to run apply first', async () => {
    for (const args of [['get', 'api'], ['exec', '--all', '--', process.execPath, '-e', ''], ['export', '--output', 'out.env']]) {
      const result = await run(args)
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr, args.join(' ')).toContain('api has no value yet: local:api does not exist')
      expect(result.stderr, args.join(' ')).toContain('run `rotor apply` first')
    }
    expect(existsSync(join(dir, 'out.env'))).toBe(false)
  })

  it('rollback of a secret never rotated says so', async () => {
    expect((await run(['apply', '--yes'])).code).toBe(0)
    const result = await run(['rollback', 'api', '--yes'])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('api has never been rotated')
    expect(result.stderr).not.toContain('retired when its grace window ended')
  })
})

describe('export safety', () => {
  beforeEach(async () => {
    await writeFile(join(dir, 'rotor.yaml'), FILE_STORE)
    expect((await run(['apply', '--yes'])).code).toBe(0)
  })

  it('refuses to overwrite an existing file without --force', async () => {
    await writeFile(join(dir, 'app.env'), 'MINE=1\n')
    const refused = await run(['export', '--output', 'app.env'])
    expect(refused.code).toBe(64)
    expect(refused.stderr).toContain('app.env already exists')
    expect(refused.stderr).toContain('--force')
    expect(await readFile(join(dir, 'app.env'), 'utf8')).toBe('MINE=1\n')
    const forced = await run(['export', '--output', 'app.env', '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    expect(await readFile(join(dir, 'app.env'), 'utf8')).toMatch(/^API=/)
  })

  it('warns when the file is in a git work tree and not ignored, not when ignored', async () => {
    execFileSync('git', ['init', '-q'], {cwd: dir})
    await writeFile(join(dir, '.gitignore'), 'ignored.env\n')
    const exposed = await run(['export', '--output', 'exposed.env'])
    expect(exposed.code, exposed.stderr).toBe(0)
    expect(exposed.stderr).toContain('exposed.env is inside a git work tree and not ignored')
    const ignored = await run(['export', '--output', 'ignored.env'])
    expect(ignored.code, ignored.stderr).toBe(0)
    expect(ignored.stderr).not.toContain('not ignored')
  })
})

describe('small things', () => {
  it('plan --at takes relative times (+7d, -1h) and names a bad one', async () => {
    await writeFile(join(dir, 'rotor.yaml'), FILE_STORE)
    expect((await runCli(['apply', '--yes'], {cwd: dir, now: '2026-03-01T00:00:00Z'})).code).toBe(0)
    const soon = await runCli(['plan', '--at', '+7d', '--json'], {cwd: dir, now: '2026-03-01T00:00:00Z'})
    expect(soon.code, soon.stderr).toBe(0)
    expect(JSON.parse(soon.stdout)).toMatchObject({actions: []})
    const later = await runCli(['plan', '--at', '+31d', '--json'], {cwd: dir, now: '2026-03-01T00:00:00Z'})
    expect(later.code, later.stderr).toBe(0)
    expect(JSON.parse(later.stdout)).toMatchObject({actions: [{kind: 'rotate', secret: 'api'}]})
    const past = await runCli(['plan', '--at', '-1h', '--json'], {cwd: dir, now: '2026-03-01T00:00:00Z'})
    expect(past.code, past.stderr).toBe(0)
    const bad = await run(['plan', '--at', '+7x'])
    expect(bad.code).toBe(64)
    expect(bad.stderr).toContain('--at: "+7x" is not a relative time')
  })

  it('refuses a memory store in a user config unless ROTOR_ALLOW_MEMORY=1, and marks it test-only in the schema', async () => {
    await writeFile(join(dir, 'rotor.yaml'), 'version: 1\nstores:\n  scratch:\n    type: memory\nsecrets: {}\n')
    const refused = await run(['config', 'validate'])
    expect(refused.code).toBe(65)
    expect(refused.stderr).toContain('rotor.yaml:4:5: stores.scratch.type: the memory store type is for tests only')
    const allowed = await run(['config', 'validate'], {ROTOR_ALLOW_MEMORY: '1'})
    expect(allowed.code, allowed.stderr).toBe(0)
    const schema = await run(['config', 'schema'])
    expect(schema.stdout).toContain('for tests only (refused unless ROTOR_ALLOW_MEMORY=1)')
  })

  it("SARIF's informationUri is package.json's homepage", async () => {
    await writeFile(join(dir, 'rotor.yaml'), FILE_STORE)
    expect((await run(['apply', '--yes'])).code).toBe(0)
    const pkg = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {homepage: string}
    const result = await run(['scan', '--format', 'sarif'])
    expect(result.code, result.stderr).toBe(0)
    const sarif = JSON.parse(result.stdout) as {runs: Array<{tool: {driver: {informationUri: string}}}>}
    expect(pkg.homepage).toMatch(/^https:\/\//)
    expect(sarif.runs[0].tool.driver.informationUri).toBe(pkg.homepage)
  })
})

describe("the file store's key", () => {
  const keyFiles = async (): Promise<string[]> => {
    const found: string[] = []
    const walk = async (at: string): Promise<void> => {
      for (const entry of await readdir(at, {withFileTypes: true}).catch(() => [])) {
        // The audit log's key and the config cache's (kept in the user's config directory too) are not the store's.
        if (entry.isDirectory()) {
          if (entry.name !== 'audit-keys' && entry.name !== 'cache-keys') await walk(join(at, entry.name))
        }
        else if (entry.name.endsWith('.key')) found.push(join(at, entry.name))
      }
    }
    await walk(dir)
    return found
  }

  beforeEach(async () => {
    await writeFile(join(dir, 'rotor.yaml'), FILE_STORE)
  })

  it('read-only commands create no key; the first apply creates it apart from the project and says so once', async () => {
    for (const args of [['status'], ['plan'], ['get', 'api'], ['diff'], ['check']]) {
      await run(args)
      expect(await keyFiles(), args.join(' ')).toEqual([])
    }
    const apply = await run(['apply', '--yes'])
    expect(apply.code, apply.stderr).toBe(0)
    const keys = await keyFiles()
    expect(keys).toEqual([expect.stringContaining(join(dir, '.user-config', 'rotor', 'keys', 'file-local-'))])
    // oclif wraps warnings to the terminal width, even inside a path.
    const squeezed = (text: string) => text.replace(/[\s›]/g, '')
    expect(squeezed(apply.stderr)).toContain(squeezed(`created the key of file store local at ${keys[0]}: back it up`))
    const again = await run(['rotate', 'api', '--yes'])
    expect(again.code, again.stderr).toBe(0)
    expect(again.stderr).not.toContain('created the key')
    expect(existsSync(join(dir, '.rotor', 'file.key'))).toBe(false)
  })

  it('an explicit keyFile wins, and a key in the old place (.rotor/file.key) keeps working', async () => {
    await writeFile(join(dir, 'rotor.yaml'), FILE_STORE.replace('type: file\n', 'type: file\n    keyFile: keys/local.key\n'))
    expect((await run(['apply', '--yes'])).code).toBe(0)
    expect(await keyFiles()).toEqual([join(dir, 'keys', 'local.key')])

    await rm(join(dir, 'keys'), {recursive: true})
    await rm(join(dir, '.rotor'), {recursive: true})
    await writeFile(join(dir, 'rotor.yaml'), FILE_STORE)
    await mkdir(join(dir, '.rotor'), {mode: 0o700})
    await writeFile(join(dir, '.rotor', 'file.key'), `${randomBytes(32).toString('base64')}\n`, {mode: 0o600})
    expect((await run(['apply', '--yes'])).code).toBe(0)
    expect(await keyFiles()).toEqual([join(dir, '.rotor', 'file.key')])
    expect((await run(['get', 'api'])).code).toBe(0)
  })
})

describe('rotor store rotate-key', () => {
  const KILL_AT = new URL('../fault/support/kill-at.mjs', import.meta.url).href
  const keysDir = () => join(dir, '.user-config', 'rotor', 'keys')
  const reveal = async () => {
    const result = await run(['get', 'api', '--reveal'])
    expect(result.code, result.stderr).toBe(0)
    return result.stdout.trim()
  }

  beforeEach(async () => {
    await writeFile(join(dir, 'rotor.yaml'), FILE_STORE)
    expect((await run(['apply', '--yes'])).code).toBe(0)
  })

  it('re-encrypts under a new key, keeps every value, audits it and leaves no backup behind', async () => {
    const value = await reveal()
    const [keyName] = await readdir(keysDir())
    const oldKey = await readFile(join(keysDir(), keyName), 'utf8')
    const storeBefore = await readFile(join(dir, '.rotor', 'secrets.enc'), 'utf8')
    const result = await run(['store', 'rotate-key', '--yes'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('re-encrypted file store local under a new key')
    expect(await readdir(keysDir())).toEqual([keyName])
    expect(await readFile(join(keysDir(), keyName), 'utf8')).not.toBe(oldKey)
    expect(await readFile(join(dir, '.rotor', 'secrets.enc'), 'utf8')).not.toBe(storeBefore)
    expect(await reveal()).toBe(value)
    const audit = (await readFile(join(dir, '.rotor', 'audit.log'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(audit.at(-1)).toMatchObject({action: 'rotate-key', target: 'local:*', outcome: 'ok'})
  })

  it('needs --yes without a terminal and changes nothing then', async () => {
    const storeBefore = await readFile(join(dir, '.rotor', 'secrets.enc'), 'utf8')
    const result = await run(['store', 'rotate-key'])
    expect(result.code).toBe(64)
    expect(await readFile(join(dir, '.rotor', 'secrets.enc'), 'utf8')).toBe(storeBefore)
  })

  for (const killAt of [1, 2, 3, 4]) {
    it(`killed after step ${killAt}: the store stays readable, and running it again finishes`, async () => {
      const value = await reveal()
      const killed = await runCli(['store', 'rotate-key', '--yes'], {cwd: dir, preload: [KILL_AT], env: {ROTOR_KILL_AT: String(killAt)}})
      expect(killed.code).not.toBe(0)
      expect(await reveal()).toBe(value)
      const again = await run(['store', 'rotate-key', '--yes'])
      expect(again.code, again.stderr).toBe(0)
      expect(await reveal()).toBe(value)
      expect((await readdir(keysDir())).filter((name) => !name.endsWith('.key'))).toEqual([])
      const write = await run(['rotate', 'api', '--yes'])
      expect(write.code, write.stderr).toBe(0)
    })
  }
})

describe('export --reveal', () => {
  it('still works next to the --force flag (which needs --output)', async () => {
    await writeFile(join(dir, 'rotor.yaml'), FILE_STORE)
    expect((await run(['apply', '--yes'])).code).toBe(0)
    const revealed = await run(['export', '--format', 'json', '--reveal'])
    expect(revealed.code, revealed.stderr).toBe(0)
    expect(Object.keys(JSON.parse(revealed.stdout) as object)).toEqual(['API'])
    expect((await run(['export', '--force'])).code).toBe(64)
  })
})
