import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {json, ROOT, runCli} from '../support/cli.js'

/**
 * Start-up (issue 15 item 1), by what a command loads rather than by time: `rotor --version` and
 * `rotor version` load neither oclif nor a command, and a command loads its own chunk only, not
 * every command's. Needs `npm run build`.
 */
const TRACE = pathToFileURL(join(ROOT, 'test/support/load-trace.mjs')).href
let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rotor-startup-'))
  writeFileSync(join(dir, 'rotor.yaml'), readFileSync(join(ROOT, 'examples/quickstart.yaml'), 'utf8'))
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

async function loaded(args: string[]): Promise<{code: number; stdout: string; stderr: string; modules: string[]}> {
  const file = join(dir, `trace-${args.join('-')}.txt`)
  rmSync(file, {force: true})
  const result = await runCli(args, {cwd: dir, preload: [TRACE], env: {ROTOR_TEST_LOAD_TRACE: file}})
  const modules = existsSync(file) ? [...new Set(readFileSync(file, 'utf8').trim().split('\n'))].map((url) => url.slice(url.indexOf('/dist/cli/') + '/dist/cli/'.length)) : []
  return {...result, modules}
}

describe('fast paths', () => {
  it('`rotor --version` loads nothing from the bundle', async () => {
    const result = await loaded(['--version'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^rotor\/\d+\.\d+\.\d+ /)
    expect(result.modules).toEqual([])
  })

  it('`rotor version` prints what the command prints, without oclif or any command', async () => {
    const fast = await loaded(['version'])
    expect(fast.code, fast.stderr).toBe(0)
    expect(fast.modules.filter((m) => m === 'oclif.js' || m === 'commands.js')).toEqual([])
    expect(fast.modules).toContain('version.js')
    // The command itself (through oclif, as --json takes) reports the same versions.
    const doc = json<{rotor: string; node: string; platform: string; oclif: string; sdks: Record<string, string | null>; betterSqlite3: string | null}>(await runCli(['version', '--json'], {cwd: dir}))
    const lines = [`rotor ${doc.rotor}`, `node ${doc.node} (${doc.platform})`, ...Object.entries({...doc.sdks, '@oclif/core': doc.oclif, 'better-sqlite3': doc.betterSqlite3}).map(([name, v]) => `${name} ${v ?? 'not installed'}`)]
    expect(fast.stdout).toBe(`${lines.join('\n')}\n`)
    expect(doc.oclif).toMatch(/^\d+\.\d+\.\d+/)
  })
})

describe('lazy commands', () => {
  it('`rotor status` loads the status command and oclif from the bundle, not the other commands', async () => {
    expect((await runCli(['apply', '--yes'], {cwd: dir})).code).toBe(0)
    const result = await loaded(['status'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.modules).toContain('oclif.js')
    expect(result.modules.some((m) => /^chunks\/status-[A-Z0-9]+\.js$/.test(m)), result.modules.join('\n')).toBe(true)
    // Nothing of apply, rotate, scan, exec ...: each is its own chunk, loaded only when run.
    expect(result.modules.filter((m) => /^chunks\/(apply|rotate|scan|exec|import|schedule|doctor)-[A-Z0-9]+\.js$/.test(m))).toEqual([])
    // oclif comes from the bundle, not from node_modules/@oclif/core.
    const trace = readFileSync(join(dir, 'trace-status.txt'), 'utf8')
    expect(trace).not.toContain('/node_modules/@oclif/core/')
  })

  it('`rotor status --json` loads neither oclif nor any command (src/cli/status-fast.ts)', async () => {
    const result = await loaded(['status', '--json'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.modules).toContain('status-fast.js')
    expect(result.modules.filter((m) => m === 'oclif.js' || m === 'commands.js' || /^chunks\/status-[A-Z0-9]+\.js$/.test(m))).toEqual([])
  })
  it('`rotor get NAME --reveal` loads neither oclif nor any command (src/cli/get-fast.ts)', async () => {
    const applied = await runCli(['apply', '--yes'], {cwd: dir})
    expect(applied.code, applied.stderr).toBe(0)
    const result = await loaded(['get', 'payments-api', '--reveal'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toMatch(/^rk_live_\w+\n$/)
    expect(result.modules).toContain('get-fast.js')
    expect(result.modules.filter((m) => m === 'oclif.js' || m === 'commands.js' || /^chunks\/get-[A-Z0-9]+\.js$/.test(m))).toEqual([])
  })
})
