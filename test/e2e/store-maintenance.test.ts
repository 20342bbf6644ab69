/**
 * `rotor store rotate-key` and `rotor store accept-rollback` (issue 15, small gaps): the same
 * consent as every store-changing command (--yes, or a terminal to ask at; under --json only
 * --yes), and an audit intent before the change with its outcome after.
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {json, runCli} from '../support/cli.js'
import {atTerminal} from '../support/terminal.js'

let dir: string
const run = (args: string[]) => runCli(args, {cwd: dir})
const storeFile = () => join(dir, '.rotor/secrets.enc')
const auditEntries = async () =>
  (await readFile(join(dir, '.rotor/audit.log'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as {seq: number; action: string; outcome: string; intent?: number; target: string})

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-store-maintenance-'))
  await writeFile(join(dir, 'rotor.yaml'), 'version: 1\nstores:\n  local: {type: file, path: .rotor/secrets.enc}\nsecrets:\n  api: {maxAge: 30d, targets: ["local:api"]}\n')
  const applied = await run(['apply', '--yes'])
  expect(applied.code, applied.stderr).toBe(0)
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

describe.each([['rotate-key'], ['accept-rollback']])('rotor store %s', (command) => {
  it('without --yes and without a terminal, refuses as every store-changing command does and changes nothing', async () => {
    const before = await readFile(storeFile())
    const entries = (await auditEntries()).length
    const result = await run(['store', command])
    expect(result.code).toBe(64)
    expect(result.stderr).toContain(`rotor store ${command} changes stores and there is no terminal to confirm at`)
    expect(result.stderr).toContain('pass --yes')
    // It has no --dry-run, so it does not offer one.
    expect(result.stderr).not.toContain('--dry-run')
    expect(await readFile(storeFile())).toEqual(before)
    expect(await auditEntries()).toHaveLength(entries)
  })

  it('under --json needs --yes even at a terminal, and answers with a JSON error instead of a prompt', async () => {
    const before = await readFile(storeFile())
    const result = atTerminal(['store', command, '--json'], dir)
    expect(result.status, result.output).toBe(64)
    expect(result.output).not.toContain('[y/N]')
    const doc = JSON.parse(result.output.slice(result.output.indexOf('{'))) as {error: {code: string; message: string}}
    expect(doc.error).toMatchObject({code: 'USAGE', message: `rotor store ${command} changes stores; under --json it needs --yes`})
    expect(await readFile(storeFile())).toEqual(before)
  })

  it('with --yes, records an intent before the change and the outcome after', async () => {
    const result = await run(['store', command, '--yes', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(json<{warnings: string[]}>(result).warnings).toEqual([])
    const mine = (await auditEntries()).filter((e) => e.action === command)
    expect(mine.map((e) => e.outcome)).toEqual(['intent', 'ok'])
    expect(mine[1].intent).toBe(mine[0].seq)
    expect(mine[0].target).toBe('local:*')
  })
})

it('rotor store rotate-key asks at a terminal and, answered no, changes nothing', async () => {
  const before = await readFile(storeFile())
  const result = atTerminal(['store', 'rotate-key'], dir, 'n\n')
  expect(result.output).toContain('Re-encrypt file store local under a new key? [y/N]')
  expect(result.status).toBe(130)
  expect(await readFile(storeFile())).toEqual(before)
  expect((await auditEntries()).filter((e) => e.action === 'rotate-key')).toEqual([])
})
