import {randomBytes} from 'node:crypto'
import {copyFile, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {runCli} from '../support/cli.js'
import {startKeyService, type KeyService} from '../support/key-service.js'

/**
 * A secret at a command issuer through the built CLI: apply registers a structured value at a real
 * HTTP key service through the example's script (relative to rotor.yaml), get shows its fields,
 * exec maps them to variables, and scan finds the key pasted alone.
 */
describe('command issuer through the built CLI', () => {
  let dir: string
  let service: KeyService
  const fileKey = randomBytes(32).toString('base64')
  const cli = (args: string[], now = '2026-03-02T04:00:00Z') =>
    runCli(args, {cwd: dir, now, env: {ROTOR_FILE_KEY: fileKey, PARTNER_URL: service.url, PARTNER_TOKEN: service.token}})

  beforeAll(async () => {
    service = await startKeyService()
    dir = await mkdtemp(join(tmpdir(), 'rotor-command-issuer-e2e-'))
    await copyFile(fileURLToPath(new URL('../../examples/command-issuer/partner.mjs', import.meta.url)), join(dir, 'partner.mjs'))
    await writeFile(join(dir, 'partner.sh'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} "$(dirname "$0")/partner.mjs" "$@"\n`, {mode: 0o755})
    await writeFile(
      join(dir, 'rotor.yaml'),
      `version: 1
stores:
  local: {type: file}
issuers:
  partner:
    type: command
    accept: [./partner.sh, register]
    check: [./partner.sh, check]
    revoke: [./partner.sh, revoke]
    list: [./partner.sh, list]
    passEnv: [PARTNER_URL, PARTNER_TOKEN]
secrets:
  partner-key:
    issuer: {name: partner, id: shop}
    generator: {length: 32, alphabet: base62, prefix: pk_}
    template: "{{id}}:{{value}}"
    env: {PARTNER_KEY_ID: id, PARTNER_KEY: value, PARTNER_AUTH: template}
    maxAge: 30d
    grace: 2d
    targets: [local:partner/key]
`,
    )
  })
  afterAll(async () => {
    await service?.stop()
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  it('registers the value at the service and hands out its fields', async () => {
    const apply = await cli(['apply', '--yes'])
    expect(apply.code, apply.stderr + apply.stdout).toBe(0)
    expect(service.ids()).toEqual(['shop-a'])

    const whole = await cli(['get', 'partner-key', '--reveal'])
    const fields = JSON.parse(whole.stdout) as {id: string; value: string}
    expect(fields.id).toBe('shop-a')
    expect(fields.value).toMatch(/^pk_/)
    expect(await service.authenticates(fields.id, fields.value)).toBe(true)
    expect((await cli(['get', 'partner-key', '--reveal', '--field', 'value'])).stdout).toBe(`${fields.value}\n`)
    expect((await cli(['get', 'partner-key', '--reveal', '--template'])).stdout).toBe(`shop-a:${fields.value}\n`)

    const out = join(dir, 'child.json')
    const run = await cli(['exec', '--select', 'partner-key', '--', process.execPath, '-e', `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify(process.env)); console.log(process.env.PARTNER_KEY)`])
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toBe('[redacted]\n')
    const child = JSON.parse(await readFile(out, 'utf8')) as Record<string, string>
    expect([child.PARTNER_KEY_ID, child.PARTNER_KEY, child.PARTNER_AUTH]).toEqual(['shop-a', fields.value, `shop-a:${fields.value}`])

    // The key alone in a file is a leak of the secret's `value` field.
    await writeFile(join(dir, 'notes.txt'), `key: ${fields.value}\n`)
    const scan = await cli(['scan', '--json', 'notes.txt'])
    expect(scan.code).toBe(4)
    expect(scan.stdout).not.toContain(fields.value)
    expect(JSON.parse(scan.stdout).leaks).toEqual([expect.objectContaining({file: 'notes.txt', secret: 'partner-key', field: 'value'})])
  })

  it('rotates into the other slot, keeps both valid for grace, then revokes the old one at the service', async () => {
    const old = JSON.parse((await cli(['get', 'partner-key', '--reveal'])).stdout) as {id: string; value: string}
    const rotate = await cli(['apply', '--yes'], '2026-04-02T04:00:00Z')
    expect(rotate.code, rotate.stderr + rotate.stdout).toBe(0)
    const current = JSON.parse((await cli(['get', 'partner-key', '--reveal'], '2026-04-02T04:00:00Z')).stdout) as {id: string; value: string}
    expect(current.id).toBe('shop-b')
    expect(service.ids()).toEqual(['shop-a', 'shop-b'])
    expect(await service.authenticates(old.id, old.value)).toBe(true)
    expect(await service.authenticates(current.id, current.value)).toBe(true)

    const retire = await cli(['apply', '--yes'], '2026-04-05T04:00:00Z')
    expect(retire.code, retire.stderr + retire.stdout).toBe(0)
    expect(service.ids()).toEqual(['shop-b'])
    expect(await service.authenticates(old.id, old.value)).toBe(false)
    expect(await service.authenticates(current.id, current.value)).toBe(true)
  })
})
