/**
 * Verify before promote, through the built CLI: an HTTP check (a local server) and a command.
 * A passing check sees exactly the value that is then promoted; a failing one rolls the staged
 * value back on every target, promotes nothing, and is audit-logged. The value reaches a command
 * only through its environment, never its argv.
 */
import {createServer, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {json} from '../support/cli.js'
import {currentValues} from '../fault/support/checks.js'
import {at, closeEmulators, type Emulators, makeWorld, startEmulators} from '../fault/support/world.js'

const CREATED = at(0)
const DUE = at(31)

describe('verify before promote (built CLI)', () => {
  let server: Server
  let url: string
  let answer = 204
  const seen: string[] = []
  let emulators: Emulators

  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(String(req.headers.authorization ?? '').replace(/^Bearer /, ''))
      res.writeHead(answer).end()
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`
    emulators = await startEmulators()
  })
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve))
    await closeEmulators(emulators)
  })

  const httpVerify = () => `    verify:
      http:
        url: ${url}
        headers:
          Authorization: Bearer {{value}}
        expectStatus: 204
      retries: 1
      timeout: 2s
`

  it('promotes the value the HTTP check accepted', async () => {
    const world = await makeWorld({name: 'verify-ok', emulators, secretExtra: httpVerify()})
    try {
      answer = 204
      expect((await world.cli(['apply', '--yes'], CREATED)).code).toBe(0)
      seen.length = 0
      const run = await world.cli(['apply', '--yes', '--json'], DUE)
      expect(run.code, run.stderr).toBe(0)
      const values = currentValues(await world.inspect())
      expect(new Set(values).size).toBe(1)
      expect(seen).toEqual([values[0]])
      expect((await world.auditEntries()).map((e) => e.action)).toContain('verify')
    } finally {
      await world.close()
    }
  })

  it('rolls the staged value back everywhere when the check fails, and promotes nothing', async () => {
    const world = await makeWorld({name: 'verify-fail', emulators, secretExtra: httpVerify()})
    try {
      answer = 204
      expect((await world.cli(['apply', '--yes'], CREATED)).code).toBe(0)
      const before = await world.inspect()
      const oldValue = currentValues(before)[0]
      answer = 401
      seen.length = 0
      const run = await world.cli(['apply', '--yes', '--json'], DUE)
      expect(run.code).toBe(1)
      expect(json(run)).toMatchObject({
        report: {results: [{action: {kind: 'rotate'}, outcome: 'failed', error: {code: 'VERIFY_FAILED', message: expect.stringContaining('answered 401, expected 204')}}]},
      })
      // One attempt and one retry, both with the staged value, which never became current.
      expect(seen).toHaveLength(2)
      expect(new Set(seen).size).toBe(1)
      const after = await world.inspect()
      expect(currentValues(after)).toEqual(after.map(() => oldValue))
      for (const target of after) {
        expect(target.versions.some((v) => v.role === 'pending' && v.enabled), `${target.target} kept a pending version`).toBe(false)
        expect([...target.values.values()], `${target.target} still holds the rejected value`).not.toContain(seen[0])
      }
      // Vault cannot stage: the rejected value was never written there.
      expect(after.find((t) => t.target.startsWith('vault:'))!.versions).toHaveLength(1)
      const entries = await world.auditEntries()
      expect(entries.filter((e) => e.action === 'rollback' && e.outcome === 'ok')).toHaveLength(3)
      expect(entries).toContainEqual(expect.objectContaining({action: 'verify', outcome: 'failed', error: expect.stringContaining('401')}))
      expect(JSON.stringify(entries) + run.stdout + run.stderr).not.toContain(seen[0])

      answer = 204
      const retry = await world.cli(['apply', '--yes'], DUE)
      expect(retry.code, retry.stderr).toBe(0)
      expect(currentValues(await world.inspect())[0]).not.toBe(oldValue)
    } finally {
      await world.close()
    }
  })

  it('gives a command the value in its environment, never in argv', async () => {
    const dirOf = await makeWorld({name: 'verify-cmd-probe'})
    const script = join(dirOf.dir, 'check.mjs')
    const record = join(dirOf.dir, 'seen.json')
    await writeFile(
      script,
      `import {writeFileSync} from 'node:fs'
const value = process.env.CHECK_KEY ?? ''
writeFileSync(${JSON.stringify(record)}, JSON.stringify({value, inArgv: process.argv.some((a) => a.includes(value))}))
process.exit(value.length > 0 && process.argv[2] === 'accept' ? 0 : 3)
`,
    )
    const extra = (verdict: string) => `    verify:
      command: {command: [${JSON.stringify(process.execPath)}, ${JSON.stringify(script)}, ${verdict}], env: CHECK_KEY}
      retries: 0
`
    const accepting = await makeWorld({name: 'verify-cmd', secretExtra: extra('accept')})
    const rejecting = await makeWorld({name: 'verify-cmd-no', secretExtra: extra('reject')})
    try {
      expect((await accepting.cli(['apply', '--yes'], CREATED)).code).toBe(0)
      expect((await accepting.cli(['apply', '--yes'], DUE)).code).toBe(0)
      const got = JSON.parse(await readFile(record, 'utf8')) as {value: string; inArgv: boolean}
      expect(got.inArgv).toBe(false)
      expect(currentValues(await accepting.inspect())[0]).toBe(got.value)

      expect((await rejecting.cli(['apply', '--yes'], CREATED)).code).toBe(0)
      const oldValue = currentValues(await rejecting.inspect())[0]
      const run = await rejecting.cli(['apply', '--yes'], DUE)
      expect(run.code).toBe(1)
      expect(run.stdout).toContain('exited with 3')
      expect(currentValues(await rejecting.inspect())).toEqual([oldValue, oldValue])
    } finally {
      await Promise.all([dirOf.close(), accepting.close(), rejecting.close()])
    }
  })
})
