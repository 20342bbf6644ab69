import {randomBytes} from 'node:crypto'
import {mkdir, mkdtemp, readFile, readdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {json, runCli} from '../support/cli.js'

const CREATED = '2026-03-02T04:00:00Z'
const DUE = '2026-04-10T04:00:00Z'

/**
 * What a program rotor runs can see: `rotor exec` children and `verify.command` programs get an
 * allow-listed environment, never rotor's own credentials, whatever is in rotor's environment.
 */
describe('child processes get only what they need (built CLI)', () => {
  let dir: string
  let elsewhere: string
  const fileKey = randomBytes(32).toString('base64')
  const env = {
    ROTOR_FILE_KEY: fileKey,
    VAULT_TOKEN: 'hvs.rotor-own-vault-token',
    AWS_SECRET_ACCESS_KEY: 'rotor-own-aws-secret-access-key',
    AZURE_CLIENT_SECRET: 'rotor-own-azure-secret',
    ROTOR_AUDIT_KEY: 'rotor-own-audit-key-0123456789-abcdef',
    HOOK_URL: 'https://hooks.example/services/T0/B0/token',
    DATABASE_HOST: 'db.internal',
    CHECK_ENDPOINT: 'https://check.internal',
    UNRELATED: 'not for children',
  }
  const cli = (args: string[], options: {now?: string; cwd?: string; extra?: Record<string, string>} = {}) =>
    runCli(args, {cwd: options.cwd ?? dir, now: options.now ?? CREATED, env: {...env, ...options.extra}})
  const seen = async (file: string) => JSON.parse(await readFile(join(dir, file), 'utf8')) as Record<string, string>

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-child-env-'))
    elsewhere = join(dir, 'elsewhere')
    await mkdir(elsewhere)
    // A relative verify program: found next to rotor.yaml even when rotor runs from another folder.
    await writeFile(
      join(dir, 'check.mjs'),
      `import {writeFileSync} from 'node:fs'\nwriteFileSync(new URL('./verify-env.json', import.meta.url), JSON.stringify(process.env))\n`,
    )
    await writeFile(join(dir, 'check.sh'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ./check.mjs\n`, {mode: 0o755})
    await writeFile(
      join(dir, 'rotor.yaml'),
      `version: 1
stores:
  local: {type: file}
notify:
  - urlEnv: HOOK_URL
    events: [failed]
secrets:
  api:
    maxAge: 30d
    targets: [local:api]
    passEnv: [DATABASE_HOST]
    verify:
      command: {command: [./check.sh], env: NEW_API_KEY, passEnv: [CHECK_ENDPOINT]}
      retries: 0
  other:
    maxAge: 30d
    targets: [local:other]
`,
    )
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('verify.command: no rotor credential, passEnv present, program resolved next to rotor.yaml', async () => {
    expect((await cli(['apply', '--yes'])).code).toBe(0)
    const rotate = await cli(['apply', '--yes', '--config', join(dir, 'rotor.yaml')], {now: DUE, cwd: elsewhere})
    expect(rotate.code, rotate.stderr + rotate.stdout).toBe(0)
    const child = await seen('verify-env.json')
    for (const name of ['ROTOR_FILE_KEY', 'VAULT_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AZURE_CLIENT_SECRET', 'ROTOR_AUDIT_KEY', 'HOOK_URL', 'UNRELATED', 'NODE_OPTIONS']) {
      expect(child[name], name).toBeUndefined()
    }
    expect(child.DATABASE_HOST).toBe('db.internal')
    expect(child.CHECK_ENDPOINT).toBe('https://check.internal')
    expect(child.PATH).toBe(process.env.PATH)
    const current = json<{value: string}>(await cli(['get', 'api', '--reveal', '--json'], {now: DUE})).value
    expect(child.NEW_API_KEY).toBe(current)
  })

  it('exec: no rotor credential, passEnv from the secret and --pass-env present, values set', async () => {
    const out = join(dir, 'exec-env.json')
    const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env))`
    const result = await cli(['exec', '--select', 'api', '--pass-env', 'UNRELATED', '--', process.execPath, '-e', script], {now: DUE})
    expect(result.code, result.stderr).toBe(0)
    const child = await seen('exec-env.json')
    for (const name of ['ROTOR_FILE_KEY', 'VAULT_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AZURE_CLIENT_SECRET', 'ROTOR_AUDIT_KEY', 'HOOK_URL', 'CHECK_ENDPOINT', 'OTHER']) {
      expect(child[name], name).toBeUndefined()
    }
    expect(child.DATABASE_HOST).toBe('db.internal')
    expect(child.UNRELATED).toBe('not for children')
    const current = json<{value: string}>(await cli(['get', 'api', '--reveal', '--json'], {now: DUE})).value
    expect(child.API).toBe(current)
  })

  it('exec masks the values in the child output unless --no-mask', async () => {
    const current = json<{value: string}>(await cli(['get', 'api', '--reveal', '--json'], {now: DUE})).value
    // Written in two pieces, so the value crosses a chunk boundary.
    const script = `const v = process.env.API; process.stdout.write('key=' + v.slice(0, 7)); setImmediate(() => { process.stdout.write(v.slice(7) + '\\n'); process.stderr.write('err ' + v + '\\n') })`
    const masked = await cli(['exec', '--select', 'api', '--', process.execPath, '-e', script], {now: DUE})
    expect(masked.code, masked.stderr).toBe(0)
    expect(masked.stdout).toBe('key=[redacted]\n')
    expect(masked.stderr).toContain('err [redacted]')
    expect(masked.stdout + masked.stderr).not.toContain(current)
    const plain = await cli(['exec', '--select', 'api', '--no-mask', '--', process.execPath, '-e', script], {now: DUE})
    expect(plain.stdout).toBe(`key=${current}\n`)
  })

  it('exec refuses no selection, and a --pass-env or passEnv naming a rotor credential, before reading a value', async () => {
    const none = await cli(['exec', '--', 'true'], {now: DUE})
    expect(none.code).toBe(64)
    expect(none.stderr).toContain('--select PATTERN, or --all')
    const all = await cli(['exec', '--all', '--', process.execPath, '-e', 'process.exit(process.env.API && process.env.OTHER ? 0 : 9)'], {now: DUE})
    expect(all.code, all.stderr).toBe(0)
    for (const name of ['AWS_SECRET_ACCESS_KEY', 'ROTOR_FILE_KEY', 'HOOK_URL']) {
      const refused = await cli(['exec', '--all', '--pass-env', name, '--', 'true'], {now: DUE})
      expect(refused.code, name).toBe(64)
      expect(refused.stderr).toContain(`${name} holds one of rotor's own credentials`)
    }
  })

  it('rotor.yaml naming a credential in passEnv is a config error (by family, or the store keyEnv)', async () => {
    const bad = join(dir, 'bad')
    await mkdir(bad)
    await writeFile(join(bad, 'rotor.yaml'), `version: 1\nstores:\n  local: {type: file}\nsecrets:\n  api: {maxAge: 30d, targets: [local:api], passEnv: [VAULT_TOKEN]}\n`)
    const family = await cli(['config', 'validate'], {cwd: bad})
    expect(family.code).toBe(65)
    expect(family.stderr).toContain('secrets.api.passEnv[0]: VAULT_TOKEN holds one of rotor\'s own credentials')
    await writeFile(
      join(bad, 'rotor.yaml'),
      `version: 1\nstores:\n  local: {type: file, keyEnv: MY_STORE_KEY}\nsecrets:\n  api: {maxAge: 30d, targets: [local:api], passEnv: [MY_STORE_KEY]}\n`,
    )
    const keyEnv = await cli(['exec', '--all', '--', 'true'], {cwd: bad, extra: {MY_STORE_KEY: fileKey}})
    expect(keyEnv.code).toBe(65)
    expect(keyEnv.stderr).toContain('secrets.api.passEnv: MY_STORE_KEY holds one of rotor\'s own credentials')
  })

  it('export leaves no plaintext temp file when its final rename fails', async () => {
    const target = join(dir, 'out', 'app.env')
    await mkdir(join(dir, 'out'))
    // The preload makes a directory appear at the target just before the rename (a race export cannot rule out).
    const result = await runCli(['export', '--select', 'api', '--output', target], {
      cwd: dir,
      now: DUE,
      env: {...env, ROTOR_TEST_RENAME_BLOCK: target},
      preload: [new URL('./support/block-rename.mjs', import.meta.url).href],
    })
    expect(result.code).not.toBe(0)
    expect(await readdir(join(dir, 'out'))).toEqual(['app.env'])
    expect(await readdir(target)).toEqual(['blocker'])
  })
})
