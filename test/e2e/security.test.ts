import {execFileSync} from 'node:child_process'
import {chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ROOT, type CliResult, json, runCli} from '../support/cli.js'

const T0 = '2026-03-02T04:00:00Z'
const ROTATED_AT = '2026-03-02T05:00:00Z'
const BIN = join(ROOT, 'bin/run.js')

interface ScanLeak {
  file: string
  line: number
  column: number
  kind: 'value' | 'format'
  secret: string
  role: string
  commit?: string
  suggestion: string
}

interface SarifResult {
  ruleId: string
  ruleIndex: number
  message: {text: string}
  locations: Array<{physicalLocation: {region: {startLine: number}}}>
}

/** Flip one character in the random part: same shape, wrong checksum. */
const lookAlike = (key: string) => key.slice(0, 6) + (key[6] === 'a' ? 'b' : 'a') + key.slice(7)

/**
 * scan, check, policy, exec and export through the built CLI, on the starter config (file store,
 * `rk_` + 40 base62 + crc32) in a temporary git repository.
 */
describe('security operations (built CLI, temporary git repository)', () => {
  let dir: string
  let current: string
  let previous: string
  let foreignKey: string
  let previousCommit: string
  const outputs: CliResult[] = []
  const cli = async (args: string[], now = ROTATED_AT, env?: NodeJS.ProcessEnv) => {
    const result = await runCli(args, {cwd: dir, now, env})
    outputs.push(result)
    return result
  }
  const git = (...args: string[]) => execFileSync('git', args, {cwd: dir, encoding: 'utf8'}).trim()
  const reveal = async (role: string) => (await runCli(['get', 'example-api-key', '--role', role, '--reveal'], {cwd: dir, now: ROTATED_AT})).stdout.trim()

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-security-'))
    expect((await cli(['init'], T0)).code).toBe(0)
    expect((await cli(['apply', '--yes'], T0)).code).toBe(0)
    expect((await cli(['rotate', 'example-api-key', '--yes'], ROTATED_AT)).code).toBe(0)
    current = await reveal('current')
    previous = await reveal('previous')
    expect(current).toMatch(/^rk_/)
    expect(previous).not.toBe(current)
    // A key of the same format that rotor never stored: only its checksum can give it away.
    foreignKey = (await runCli(['generate', '--prefix', 'rk_', '--checksum', 'crc32', '--length', '40'], {cwd: dir})).stdout.trim()

    git('init', '-q')
    git('config', 'user.email', 'dev@example.com')
    git('config', 'user.name', 'dev')
    await writeFile(join(dir, '.gitignore'), '.rotor/\n')
    await writeFile(join(dir, 'deploy.sh'), `#!/bin/sh\n# old\nexport API_KEY=${previous}\n`)
    await writeFile(join(dir, 'notes.md'), `# notes\n\nsomeone pasted ${foreignKey} here\nand a typo ${lookAlike(current)} and ${lookAlike(foreignKey)}\n`)
    git('add', '.')
    git('commit', '-qm', 'first')
    previousCommit = git('rev-parse', 'HEAD')
    await writeFile(join(dir, 'deploy.sh'), '#!/bin/sh\nexport API_KEY="$(rotor get example-api-key --reveal)"\n')
    git('commit', '-qam', 'read the key at run time')
    // The current value, staged but not committed.
    await writeFile(join(dir, 'app.env'), `MODE=prod\nAPI_KEY=${current}\n`)
    git('add', 'app.env')
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('scan finds the staged current value and exits 4, suggesting an emergency rotation', async () => {
    const staged = await cli(['scan', '--staged', '--json'])
    expect(staged.code, staged.stderr).toBe(4)
    const {leaks} = json<{leaks: ScanLeak[]}>(staged)
    expect(leaks).toEqual([
      expect.objectContaining({file: 'app.env', line: 2, column: 9, kind: 'value', secret: 'example-api-key', role: 'current', suggestion: 'rotor rotate example-api-key --emergency --reason leak'}),
    ])
  })

  it('scan of the work tree finds the current value and the format-only key, not the look-alikes', async () => {
    const result = await cli(['scan', '--json'])
    expect(result.code).toBe(4)
    const leaks = json<{leaks: ScanLeak[]}>(result).leaks.map((l) => `${l.file}:${l.line}:${l.column} ${l.kind} ${l.role}`)
    expect(leaks.sort()).toEqual(['app.env:2:9 value current', 'notes.md:3:16 format unknown'])
  })

  it('scan --history finds the previous value in the commit that added it', async () => {
    const result = await cli(['scan', '--history', '--json'])
    expect(result.code).toBe(4)
    const leaks = json<{leaks: ScanLeak[]}>(result).leaks
    expect(leaks).toHaveLength(2)
    expect(leaks).toContainEqual(expect.objectContaining({file: 'deploy.sh', line: 3, column: 16, role: 'previous', kind: 'value', commit: previousCommit}))
    expect(leaks).toContainEqual(expect.objectContaining({file: 'notes.md', line: 3, kind: 'format', commit: previousCommit}))
  })

  it('scan --format sarif is SARIF 2.1.0 with one result per leak', async () => {
    const result = await cli(['scan', '--format', 'sarif'])
    expect(result.code).toBe(4)
    const sarif = JSON.parse(result.stdout) as {version: string; runs: Array<{tool: {driver: {name: string; rules: Array<{id: string}>}}; results: SarifResult[]}>}
    expect(sarif.version).toBe('2.1.0')
    const [run] = sarif.runs
    expect(run.tool.driver.name).toBe('rotor')
    expect(run.results).toHaveLength(2)
    for (const r of run.results) {
      expect(run.tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId)
      expect(r.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0)
      expect(typeof r.message.text).toBe('string')
    }
  })

  it('scan exits 0 when nothing leaks', async () => {
    const clean = await cli(['scan', '.gitignore'])
    expect(clean.code, clean.stderr).toBe(0)
  })

  it('--install-hook writes a pre-commit hook that blocks the commit, and refuses a foreign hook', async () => {
    const hooks = join(dir, '.git/hooks')
    await mkdir(hooks, {recursive: true})
    await writeFile(join(hooks, 'pre-commit'), '#!/bin/sh\nexit 0\n')
    const refused = await cli(['scan', '--install-hook'])
    expect(refused.code).toBe(64)
    expect(refused.stderr).toContain('was not written by rotor')
    const forced = await cli(['scan', '--install-hook', '--force'])
    expect(forced.code, forced.stderr).toBe(0)
    const hook = await readFile(join(hooks, 'pre-commit'), 'utf8')
    expect(hook).toContain('rotor scan --staged')
    expect((await stat(join(hooks, 'pre-commit'))).mode & 0o111).not.toBe(0)
    // A `rotor` on PATH, as an installed CLI would be.
    const shimDir = join(dir, '.rotor/bin')
    await mkdir(shimDir, {recursive: true})
    await writeFile(join(shimDir, 'rotor'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`)
    await chmod(join(shimDir, 'rotor'), 0o755)
    const env = {...process.env, PATH: `${shimDir}:${process.env.PATH}`, NODE_OPTIONS: ''}
    let blocked = false
    try {
      execFileSync('git', ['commit', '-qm', 'add env'], {cwd: dir, env, stdio: 'pipe'})
    } catch (error) {
      blocked = true
      // git sends a hook's stdout to stderr.
      expect(String((error as {stderr?: Buffer}).stderr)).toContain('app.env:2:9')
    }
    expect(blocked).toBe(true)
    expect(git('diff', '--cached', '--name-only')).toBe('app.env')
  })

  it('check reports findings with severities and gates on --fail-on', async () => {
    const ok = await cli(['check', '--json'])
    expect(ok.code, ok.stderr).toBe(0)
    expect(json(ok)).toMatchObject({failed: false, counts: {error: 0}})
    const strict = await cli(['check', '--json', '--min-entropy', '300', '--fail-on', 'warning'])
    expect(strict.code).toBe(6)
    expect(json<{findings: Array<{check: string; severity: string}>}>(strict).findings).toContainEqual(expect.objectContaining({check: 'weak-policy', severity: 'warning'}))
  })

  it('policy prints guidance for the file store', async () => {
    const result = await cli(['policy', '--json'])
    expect(result.code).toBe(0)
    expect(json(result)).toMatchObject({stores: [{store: 'local', type: 'file', secrets: ['example-api-key'], policy: {format: 'text'}}]})
  })

  it('exec hands the current value over in the environment only, and passes the exit code through', async () => {
    const out = join(dir, '.rotor/exec-out.json')
    const script = `require('fs').writeFileSync(${JSON.stringify(out)}, JSON.stringify({value: process.env.EXAMPLE_API_KEY, argv: process.argv})); process.exit(7)`
    const result = await cli(['exec', '--all', '--', process.execPath, '-e', script])
    expect(result.code).toBe(7)
    const seen = JSON.parse(await readFile(out, 'utf8')) as {value: string; argv: string[]}
    expect(seen.value).toBe(current)
    expect(seen.argv.join(' ')).not.toContain(current)
    await rm(out)
  })

  it('export writes a 0600 file and needs --reveal for stdout', async () => {
    const file = join(dir, '.rotor/app.env')
    const written = await cli(['export', '--output', file])
    expect(written.code, written.stderr).toBe(0)
    expect(await readFile(file, 'utf8')).toBe(`EXAMPLE_API_KEY=${current}\n`)
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    const refused = await cli(['export'])
    expect(refused.code).toBe(64)
    const revealed = await runCli(['export', '--format', 'json', '--reveal'], {cwd: dir, now: ROTATED_AT})
    expect(JSON.parse(revealed.stdout)).toEqual({EXAMPLE_API_KEY: current})
  })

  it('no value appears in any output of these commands or in the audit log', async () => {
    const audit = await readFile(join(dir, '.rotor/audit.log'), 'utf8')
    const everything = [...outputs.flatMap((o) => [o.stdout, o.stderr]), audit].join('\n')
    for (const value of [current, previous, foreignKey]) expect(everything).not.toContain(value)
  })
})
