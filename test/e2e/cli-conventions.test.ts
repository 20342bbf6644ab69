import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {json, ROOT, runCli} from '../support/cli.js'

/** Issue 15 item 5, through the built CLI: -h, `rotor version`, --quiet, the root help page, completion. */
let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rotor-conventions-'))
  writeFileSync(join(dir, 'rotor.yaml'), readFileSync(join(ROOT, 'examples/quickstart.yaml'), 'utf8'))
})
afterAll(() => rmSync(dir, {recursive: true, force: true}))

describe('-h', () => {
  it('is help, for the root and for a command, like --help', async () => {
    for (const args of [[], ['status'], ['store', 'rotate-key']]) {
      const short = await runCli([...args, '-h'], {cwd: dir})
      const long = await runCli([...args, '--help'], {cwd: dir})
      expect(short.code, short.stderr).toBe(0)
      expect(short.stdout).toBe(long.stdout)
      expect(short.stdout).toContain('USAGE')
    }
  })
})

describe('rotor version', () => {
  it('prints rotor, Node and the SDK versions; --json as a document', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string}
    const text = await runCli(['version'], {cwd: dir})
    expect(text.code, text.stderr).toBe(0)
    expect(text.stdout).toContain(`rotor ${pkg.version}`)
    expect(text.stdout).toContain(`node ${process.version}`)
    const doc = json<{rotor: string; node: string; sdks: Record<string, string | null>; warnings: string[]}>(await runCli(['version', '--json'], {cwd: dir}))
    expect(doc.rotor).toBe(pkg.version)
    expect(doc.node).toBe(process.version)
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {packages: Record<string, {version: string}>}
    for (const sdk of ['@aws-sdk/client-secrets-manager', '@azure/keyvault-secrets', '@google-cloud/secret-manager', 'node-vault']) {
      expect(doc.sdks[sdk], sdk).toBe(lock.packages[`node_modules/${sdk}`].version)
    }
    expect(doc.warnings).toEqual([])
  })

  it('--version keeps oclif\'s one-line format', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string}
    const result = await runCli(['--version'], {cwd: dir})
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(`rotor/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
  })
})

describe('--quiet', () => {
  it('prints nothing but still does the work; --json and --reveal still print', async () => {
    const quietDir = mkdtempSync(join(tmpdir(), 'rotor-quiet-'))
    try {
      writeFileSync(join(quietDir, 'rotor.yaml'), readFileSync(join(ROOT, 'examples/quickstart.yaml'), 'utf8'))
      const loud = await runCli(['plan'], {cwd: quietDir})
      expect(loud.stdout.trim()).not.toBe('')
      const applied = await runCli(['apply', '--yes', '--quiet'], {cwd: quietDir})
      expect(applied.code, applied.stderr).toBe(0)
      expect(applied.stdout).toBe('')
      const status = json<{secrets: Array<{name: string}>}>(await runCli(['status', '-q', '--json'], {cwd: quietDir}))
      expect(status.secrets.map((s) => s.name)).toContain('payments-api')
      const quietStatus = await runCli(['status', '-q'], {cwd: quietDir})
      expect(quietStatus.code).toBe(0)
      expect(quietStatus.stdout).toBe('')
      const revealed = await runCli(['get', 'payments-api', '--reveal', '--quiet'], {cwd: quietDir})
      expect(revealed.code, revealed.stderr).toBe(0)
      expect(revealed.stdout.trim().length).toBeGreaterThan(10)
      // Errors are never quiet.
      const failed = await runCli(['get', 'no-such-secret', '--quiet'], {cwd: quietDir})
      expect(failed.code).not.toBe(0)
      expect(failed.stderr).toContain('no-such-secret')
    } finally {
      rmSync(quietDir, {recursive: true, force: true})
    }
  })
})

describe('the root help page', () => {
  it('lists the environment variables and examples', async () => {
    const help = await runCli(['--help'], {cwd: dir})
    expect(help.code).toBe(0)
    const environment = help.stdout.slice(help.stdout.indexOf('ENVIRONMENT'))
    expect(help.stdout).toContain('ENVIRONMENT')
    for (const name of ['ROTOR_CONFIG', 'ROTOR_FILE_KEY', 'ROTOR_HOME', 'NO_COLOR', 'FORCE_COLOR']) expect(environment, name).toMatch(new RegExp(`^ {2}${name} `, 'm'))
    expect(help.stdout).toMatch(/^EXAMPLES\n {2}\$ rotor /m)
    expect(help.stdout).toMatch(/^ {2}version /m)
    expect(help.stdout).toMatch(/^ {2}autocomplete /m)
  })
})

describe('shell completion', () => {
  it('generates bash, zsh and PowerShell scripts that complete rotor\'s commands and flags', async () => {
    const cache = join(dir, 'cache')
    const env = {XDG_CACHE_HOME: cache}
    for (const shell of ['bash', 'zsh', 'powershell']) {
      const result = await runCli(['autocomplete', shell, '--refresh-cache'], {cwd: dir, env})
      expect(result.code, result.stderr).toBe(0)
    }
    const base = join(cache, 'rotor', 'autocomplete')
    const bash = readFileSync(join(base, 'functions', 'bash', 'rotor.bash'), 'utf8')
    const zsh = readFileSync(join(base, 'functions', 'zsh', '_rotor'), 'utf8')
    const powershell = readFileSync(join(base, 'functions', 'powershell', 'rotor.ps1'), 'utf8')
    for (const [shell, script] of Object.entries({bash, zsh, powershell})) {
      expect(script, shell).toContain('rotate-key')
      expect(script, shell).toContain('version')
      expect(script, shell).toContain('reveal')
    }
    expect(existsSync(join(base, 'bash_setup'))).toBe(true)
    const setup = await runCli(['autocomplete', 'script', 'bash'], {cwd: dir, env})
    expect(setup.code).toBe(0)
    expect(setup.stdout).toContain('ROTOR_AC_BASH_SETUP_PATH')
  })
})
