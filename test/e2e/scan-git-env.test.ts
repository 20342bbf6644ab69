/**
 * `rotor scan --staged/--history` runs git with the child-environment allow-list (issue 15, small
 * gaps): git gets PATH, HOME, the locale and the GIT_* variables that place the repository, never
 * rotor's store keys, cloud credentials or git credential helpers. A `git` on PATH that records
 * its environment, then runs the real one, shows what it was given.
 */
import {execFileSync} from 'node:child_process'
import {chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, expect, it} from 'vitest'
import {runCli} from '../support/cli.js'

let dir: string
let dumps: string
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-scan-git-env-'))
  dumps = join(dir, 'dumps')
  await mkdir(join(dir, 'bin'))
  await mkdir(dumps)
  const realGit = execFileSync('sh', ['-c', 'command -v git'], {encoding: 'utf8'}).trim()
  await writeFile(join(dir, 'bin', 'git'), `#!/bin/sh\nenv > "${dumps}/$$.env"\nexec "${realGit}" "$@"\n`)
  await chmod(join(dir, 'bin', 'git'), 0o755)
  const repo = join(dir, 'repo')
  await mkdir(repo)
  await writeFile(join(repo, 'rotor.yaml'), 'version: 1\nstores:\n  local: {type: file, path: .rotor/secrets.enc}\nsecrets:\n  api: {maxAge: 30d, targets: ["local:api"]}\n')
  const applied = await runCli(['apply', '--yes'], {cwd: repo})
  expect(applied.code, applied.stderr).toBe(0)
  const git = (...args: string[]) => execFileSync(realGit, args, {cwd: repo})
  git('init', '-q')
  git('config', 'user.email', 'dev@example.com')
  git('config', 'user.name', 'dev')
  await writeFile(join(repo, '.gitignore'), '.rotor/\n.user-config/\n')
  await writeFile(join(repo, 'app.txt'), 'nothing here\n')
  git('add', '.')
  git('commit', '-qm', 'first')
  await writeFile(join(repo, 'app.txt'), 'still nothing\n')
  git('add', 'app.txt')
})
afterAll(async () => {
  await rm(dir, {recursive: true, force: true})
})

it('git sees the allow-list and GIT_* placement variables, not rotor\'s credentials', async () => {
  const repo = join(dir, 'repo')
  const env = {
    PATH: `${join(dir, 'bin')}:${process.env.PATH}`,
    AWS_SECRET_ACCESS_KEY: 'aws-secret-for-the-test',
    VAULT_TOKEN: 'vault-token-for-the-test',
    ROTOR_FILE_KEY_BACKUP: 'unrelated-but-not-allowed',
    SOME_APP_PASSWORD: 'not-for-git',
    GIT_ASKPASS: '/usr/bin/askpass-helper',
    GIT_TOKEN: 'ci-token-for-the-test',
    GIT_CONFIG_COUNT: '2',
    GIT_CONFIG_KEY_0: 'http.https://example.com/.extraheader',
    GIT_CONFIG_VALUE_0: 'AUTHORIZATION: basic c2VjcmV0',
    GIT_CONFIG_KEY_1: 'core.abbrev',
    GIT_CONFIG_VALUE_1: '12',
    GIT_CEILING_DIRECTORIES: dir,
    LC_ALL: 'C',
  }
  for (const args of [['scan', '--staged'], ['scan', '--history']]) {
    await rm(dumps, {recursive: true, force: true})
    await mkdir(dumps)
    const result = await runCli(args, {cwd: repo, env})
    expect(result.code, result.stderr).toBe(0)
    const files = await readdir(dumps)
    expect(files.length, args.join(' ')).toBeGreaterThan(0)
    for (const file of files) {
      const seen = Object.fromEntries(
        (await readFile(join(dumps, file), 'utf8'))
          .trim()
          .split('\n')
          .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
      )
      // What git needs: where to find programs and its config, the locale, and GIT_* placement.
      expect(seen.PATH).toBe(env.PATH)
      expect(seen.HOME).toBe(process.env.HOME)
      expect(seen.LC_ALL).toBe('C')
      expect(seen.GIT_CEILING_DIRECTORIES).toBe(dir)
      // The config pair that sets no credential, numbered again (git refuses a gap).
      expect(seen.GIT_CONFIG_COUNT).toBe('1')
      expect(seen.GIT_CONFIG_KEY_0).toBe('core.abbrev')
      expect(seen.GIT_CONFIG_VALUE_0).toBe('12')
      // Never: cloud and store credentials, other programs' secrets, git credential helpers.
      for (const name of ['AWS_SECRET_ACCESS_KEY', 'VAULT_TOKEN', 'ROTOR_FILE_KEY_BACKUP', 'SOME_APP_PASSWORD', 'GIT_ASKPASS', 'GIT_TOKEN', 'GIT_CONFIG_KEY_1', 'GIT_CONFIG_VALUE_1', 'NODE_OPTIONS']) {
        expect(seen[name], `${args.join(' ')}: ${name}`).toBeUndefined()
      }
      expect(Object.values(seen).join('\n')).not.toMatch(/c2VjcmV0|-for-the-test|not-for-git/)
    }
  }
})
