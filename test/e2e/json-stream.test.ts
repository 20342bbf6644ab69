import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import type {Readable} from 'node:stream'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ROOT, runCli} from '../support/cli.js'

/**
 * `--json` documents are written to stdout as they are serialised (src/cli/json-stream.ts). Over
 * a pipe far smaller than the document, read slowly or closed early, both the `status --json`
 * fast path and oclif's command (where oclif does not wait for logJson) must deliver the whole
 * document, identical, before the process ends, or end quietly when the reader is gone.
 * Needs `npm run build`.
 */
const BIN = join(ROOT, 'bin/run.js')
const FAKE_CLOCK = pathToFileURL(join(ROOT, 'test/support/fake-clock.mjs')).href
const NO_FAST_PATH = pathToFileURL(join(ROOT, 'test/support/no-fast-path.mjs')).href
const NOW = '2026-03-02T10:00:00.000Z'
// ~1.2 MB of status: more than a pipe or socket pair holds between the two processes.
const SECRETS = 2000
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'rotor-json-stream-'))
  const lines = ['version: 1', 'audit:', '  path: .rotor/audit.log', 'stores:', '  local:', '    type: file', '    path: .rotor/secrets.enc', 'secrets:']
  for (let i = 0; i < SECRETS; i++) lines.push(`  s${i}:`, '    maxAge: 30d', `    targets: [local:app/s${i}, local:copy/s${i}]`)
  writeFileSync(join(dir, 'rotor.yaml'), `${lines.join('\n')}\n`)
  const applied = await runCli(['apply', '--yes'], {cwd: dir, now: '2026-03-01T09:00:00.000Z'})
  expect(applied.code, applied.stderr).toBe(0)
}, 120_000)
afterAll(() => rmSync(dir, {recursive: true, force: true}))

interface Read {
  code: number | null
  stdout: string
  stderr: string
  /** Whether the process was still running when the test began to read (its writes had to wait). */
  runningWhenRead: boolean
}

type Reader = (stdout: Readable, started: () => void) => Promise<string>

/** Runs the CLI with stdout on a pipe; READ decides how the test reads it. */
async function runPiped(args: string[], fast: boolean, read: Reader): Promise<Read> {
  const preload = [FAKE_CLOCK, ...(fast ? [] : [NO_FAST_PATH])].map((m) => `--import=${m}`).join(' ')
  const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: join(dir, '.user-config'), ROTOR_TEST_NOW: NOW, NODE_OPTIONS: preload}
  for (const name of ['ROTOR_CONFIG', 'ROTOR_FILE_KEY', 'FORCE_COLOR', 'ROTOR_HOME']) delete env[name]
  const child = spawn(process.execPath, [BIN, ...args], {cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe']})
  let stderr = ''
  let running = true
  let runningWhenRead = false
  child.stderr.on('data', (d) => (stderr += d))
  child.on('exit', () => (running = false))
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
  const stdout = await read(child.stdout, () => (runningWhenRead = running))
  return {code: await exited, stdout, stderr, runningWhenRead}
}

/**
 * Reads nothing for a while (the pipe fills and the writer must wait for it to drain), then
 * everything. A 'readable' listener, not pause(): Node resumes a paused child's stdout when it
 * exits, which would throw away what it buffered.
 */
const slowly: Reader = (stdout, started) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = []
    let reading = false
    const drain = () => {
      for (let chunk = stdout.read() as Buffer | null; chunk !== null; chunk = stdout.read() as Buffer | null) chunks.push(chunk)
    }
    stdout.on('readable', () => reading && drain())
    stdout.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    setTimeout(() => {
      started()
      reading = true
      drain()
    }, 3000)
  })

/** Reads the first piece and closes the pipe, as `| head -c` does. */
const firstPiece: Reader = (stdout) =>
  new Promise<string>((resolve) => {
    stdout.once('data', (d) => {
      stdout.destroy()
      resolve(String(d))
    })
  })

describe('a --json document larger than the pipe', () => {
  it('arrives whole to a slow reader, the same from the fast path and from oclif', async () => {
    const [fast, oclif] = await Promise.all([runPiped(['status', '--json'], true, slowly), runPiped(['status', '--json'], false, slowly)])
    expect(fast.code, fast.stderr).toBe(0)
    expect(oclif.code, oclif.stderr).toBe(0)
    // The premise: neither process could hand all of it to the system before the test read.
    expect(fast.runningWhenRead).toBe(true)
    expect(oclif.runningWhenRead).toBe(true)
    expect(fast.stdout.endsWith('}\n')).toBe(true)
    const doc = JSON.parse(fast.stdout) as {secrets: Array<{name: string}>}
    expect(doc.secrets).toHaveLength(SECRETS)
    expect(oclif.stdout).toBe(fast.stdout)
  }, 120_000)

  it('ends quietly with exit 0 when the reader closes the pipe early (oclif waited for a drain that never came: exit 13)', async () => {
    for (const fast of [true, false]) {
      const cut = await runPiped(['status', '--json'], fast, firstPiece)
      expect(cut.stdout.length, `fast: ${fast}`).toBeGreaterThan(0)
      expect(cut.code, `fast: ${fast}: ${cut.stderr}`).toBe(0)
      expect(cut.stderr, `fast: ${fast}`).toBe('')
    }
  }, 120_000)
})
