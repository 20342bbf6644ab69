import {randomBytes} from 'node:crypto'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../support/cli.js'

/**
 * `template:` and `env:` maps through the built CLI: exec and export hand out fields and the
 * rendered template, get prints one field or the template, and a field mapped onto a cloud
 * variable is the secret's value while rotor's own credential of that name still never passes.
 */
describe('templates and env maps (built CLI)', () => {
  let dir: string
  const env = {ROTOR_FILE_KEY: randomBytes(32).toString('base64'), AWS_SECRET_ACCESS_KEY: 'rotor-own-aws-secret-access-key'}
  const cli = (args: string[]) => runCli(args, {cwd: dir, now: '2026-03-02T04:00:00Z', env})
  const dump = `import {writeFileSync} from 'node:fs'\nwriteFileSync(process.argv[2], JSON.stringify(process.env))\nprocess.stdout.write('auth is ' + process.env.AUTHORIZATION + '\\n')\n`

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-structured-'))
    await writeFile(join(dir, 'dump.mjs'), dump)
    await writeFile(
      join(dir, 'rotor.yaml'),
      `version: 1
stores:
  local: {type: file}
secrets:
  api:
    maxAge: 30d
    targets: [local:api]
    template: "Bearer {{value}}"
    env: {API_KEY: value, AUTHORIZATION: template}
  deploy:
    maxAge: 30d
    targets: [local:deploy]
    env: {AWS_SECRET_ACCESS_KEY: value}
`,
    )
    const apply = await cli(['apply', '--yes'])
    expect(apply.code, apply.stderr).toBe(0)
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('exec sets each mapped variable, masks them in output, and takes AWS_SECRET_ACCESS_KEY from the secret', async () => {
    const value = (await cli(['get', 'api', '--reveal'])).stdout.trim()
    const deploy = (await cli(['get', 'deploy', '--reveal'])).stdout.trim()
    expect(value.length).toBeGreaterThan(20)
    const run = await cli(['exec', '--all', '--', process.execPath, 'dump.mjs', join(dir, 'child.json')])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe('auth is [redacted]\n')
    const child = JSON.parse(await readFile(join(dir, 'child.json'), 'utf8')) as Record<string, string>
    expect(child.API_KEY).toBe(value)
    expect(child.AUTHORIZATION).toBe(`Bearer ${value}`)
    expect(child.AWS_SECRET_ACCESS_KEY).toBe(deploy)
    expect(child.API).toBeUndefined()
  })

  it('still refuses to pass rotor\'s own credential by name', async () => {
    const run = await cli(['exec', '--select', 'api', '--pass-env', 'AWS_SECRET_ACCESS_KEY', '--', process.execPath, '-e', ''])
    expect(run.code).toBe(64)
    expect(run.stderr).toContain("holds one of rotor's own credentials")
  })

  it('get prints the template or one field, and refuses a field the value does not have before reading', async () => {
    const value = (await cli(['get', 'api', '--reveal'])).stdout.trim()
    expect((await cli(['get', 'api', '--reveal', '--template'])).stdout).toBe(`Bearer ${value}\n`)
    expect((await cli(['get', 'api', '--reveal', '--field', 'value'])).stdout).toBe(`${value}\n`)
    const wrong = await cli(['get', 'api', '--reveal', '--field', 'username'])
    expect(wrong.code).toBe(64)
    expect(wrong.stderr).toContain('api has no field "username"')
    expect(wrong.stderr).not.toContain(value)
    const noTemplate = await cli(['get', 'deploy', '--reveal', '--template'])
    expect(noTemplate.code).toBe(64)
    expect(noTemplate.stderr).toContain('deploy has no template')
  })

  it('export writes one line per mapped variable', async () => {
    const value = (await cli(['get', 'api', '--reveal'])).stdout.trim()
    const out = await cli(['export', '--select', 'api', '--reveal'])
    expect(out.code, out.stderr).toBe(0)
    expect(out.stdout).toBe(`API_KEY=${value}\nAUTHORIZATION='Bearer ${value}'\n`)
  })

  it('config validate names a placeholder that is not a field', async () => {
    const bad = join(dir, 'bad.yaml')
    await writeFile(bad, (await readFile(join(dir, 'rotor.yaml'), 'utf8')).replace('Bearer {{value}}', 'Bearer {{password}}'))
    const result = await cli(['config', 'validate', '--config', bad])
    expect(result.code).not.toBe(0)
    expect(result.stderr + result.stdout).toMatch(/bad\.yaml:8:.*\{\{password\}\} is not a field/)
  })
})
