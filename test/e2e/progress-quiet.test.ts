/**
 * --quiet hides the progress bars (issue 15, small gaps): at a terminal, `apply`, `sync` and `diff`
 * draw their bars on stderr; with --quiet they draw nothing, and the work is still done.
 */
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, expect, it} from 'vitest'
import {atTerminal} from '../support/terminal.js'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-progress-'))
  await writeFile(
    join(dir, 'rotor.yaml'),
    'version: 1\nstores:\n  local: {type: file, path: .rotor/secrets.enc}\nsecrets:\n  api: {maxAge: 30d, targets: ["local:api", "local:api-copy"]}\n  db: {maxAge: 30d, targets: ["local:db"]}\n',
  )
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

const BAR = /(reading|applying|syncing) \[[#.]+\] \d+\/\d+/

it('apply at a terminal draws its bars, and with --quiet draws none and still applies', async () => {
  const quiet = atTerminal(['apply', '--yes', '--quiet'], dir)
  expect(quiet.status, quiet.output).toBe(0)
  expect(quiet.output).not.toMatch(BAR)
  expect(quiet.output).not.toContain('\u001B[2K')
  expect(await readFile(join(dir, '.rotor/audit.log'), 'utf8')).toContain('"action":"create"')
  // The same at the same terminal without --quiet: the bars are there (what the above would show).
  await rm(join(dir, '.rotor'), {recursive: true, force: true})
  const loud = atTerminal(['apply', '--yes'], dir)
  expect(loud.status, loud.output).toBe(0)
  expect(loud.output).toMatch(BAR)
})

it('diff and sync draw no reading bar with --quiet', async () => {
  expect(atTerminal(['apply', '--yes', '--quiet'], dir).status).toBe(0)
  for (const args of [['diff'], ['sync', '--yes']]) {
    const loud = atTerminal(args, dir)
    expect(loud.output, args.join(' ')).toMatch(BAR)
    const quiet = atTerminal([...args, '--quiet'], dir)
    expect(quiet.status, quiet.output).toBe(loud.status)
    expect(quiet.output, args.join(' ')).not.toMatch(BAR)
  }
})
