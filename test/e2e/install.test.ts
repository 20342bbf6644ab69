import {execFileSync, spawnSync} from 'node:child_process'
import {cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ROOT} from '../support/cli.js'

/**
 * The package as users get it (issue 15 item 1): `npm run pack`, then `npm i -g` of the tarball into
 * a temporary prefix with --offline (npm's cache only, no registry), then the installed `rotor`
 * runs a first hour: --version, init, apply --yes, status. Needs `npm run build` (dist/cli).
 */
let work: string
let tarball: string
let files: string[]
let prefix: string
let install: ReturnType<typeof spawnSync>

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rotor-install-'))
  const packDir = join(work, 'pack')
  mkdirSync(packDir)
  // `npm run pack`: stages dist/package (bundle, manifest, LICENSE, oclif bundled) and packs it.
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-package.js'), '--pack-destination', packDir], {cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe']})
  tarball = join(packDir, readdirSync(packDir).find((f) => f.endsWith('.tgz'))!)
  files = execFileSync('tar', ['tzf', tarball], {encoding: 'utf8'}).trim().split('\n')
  prefix = join(work, 'prefix')
  install = spawnSync('npm', ['i', '-g', '--prefix', prefix, '--offline', '--no-audit', '--no-fund', tarball], {encoding: 'utf8', env: {...process.env, NODE_OPTIONS: ''}})
}, 600_000)
afterAll(() => rmSync(work, {recursive: true, force: true}))

describe('the packed tarball', () => {
  it('ships the bundle, the LICENSE and no source maps or TypeScript sources', () => {
    expect(files).toContain('package/LICENSE')
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toContain('Apache License\n                           Version 2.0, January 2004')
    expect(files).toContain('package/dist/cli/commands.js')
    expect(files).toContain('package/oclif.manifest.json')
    expect(files.filter((f) => f.endsWith('.map'))).toEqual([])
    expect(files.filter((f) => f.startsWith('package/dist/') && !f.startsWith('package/dist/cli/'))).toEqual([])
    expect(files.filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts') && !f.includes('/node_modules/'))).toEqual([])
    // The cloud SDKs are bundled into chunks, not installed as packages.
    expect(files.filter((f) => /node_modules\/(@aws-sdk|@azure|@google-cloud|node-vault)\//.test(f))).toEqual([])
  })
})

describe('npm i -g --offline of the tarball', () => {
  const installedModule = (name: string) => join(prefix, 'lib', 'node_modules', 'rotor', 'node_modules', name)
  const rotor = (args: string[], cwd: string) =>
    spawnSync(join(prefix, 'bin', 'rotor'), args, {
      cwd,
      encoding: 'utf8',
      env: {PATH: process.env.PATH, HOME: work, XDG_CONFIG_HOME: join(work, 'config'), XDG_CACHE_HOME: join(work, 'cache'), NO_COLOR: '1'},
    })

  it('without the optional native module, the file store says what is missing and how to get it', () => {
    expect(install.status, `npm i -g --offline failed:\n${install.stderr}`).toBe(0)
    const project = join(work, 'no-sqlite')
    mkdirSync(project)
    expect(rotor(['init'], project).status).toBe(0)
    // Offline, npm cannot fetch better-sqlite3's dependencies, so it skipped the optional module.
    if (existsSync(installedModule('better-sqlite3'))) rmSync(installedModule('better-sqlite3'), {recursive: true})
    const apply = rotor(['apply', '--yes'], project)
    const said = apply.stdout + apply.stderr
    expect(apply.status, said).toBe(1)
    expect(said).toContain('the file store needs the native module better-sqlite3')
    expect(said).toMatch(/python3, make and a C\+\+ compiler/)
    expect(said).not.toContain('    at ')
  })

  it('installs offline and runs --version, init, apply --yes and status', () => {
    expect(install.status, `npm i -g --offline failed:\n${install.stderr}`).toBe(0)
    // What npm does online (a prebuilt binary, or a build): put the native module this machine
    // built next to rotor. Offline, npm has no metadata for its dependencies and skips it.
    for (const name of ['better-sqlite3', 'bindings', 'file-uri-to-path']) cpSync(join(ROOT, 'node_modules', name), installedModule(name), {recursive: true})
    const version = rotor(['--version'], work)
    expect(version.status, version.stderr).toBe(0)
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {version: string}
    expect(version.stdout).toContain(`rotor/${pkg.version}`)

    const project = join(work, 'project')
    mkdirSync(project)
    const init = rotor(['init'], project)
    expect(init.status, init.stderr).toBe(0)
    expect(readFileSync(join(project, 'rotor.yaml'), 'utf8')).toContain('secrets:')
    const apply = rotor(['apply', '--yes'], project)
    expect(apply.status, apply.stderr).toBe(0)
    const status = rotor(['status', '--json'], project)
    expect(status.status, status.stderr).toBe(0)
    const doc = JSON.parse(status.stdout) as {secrets: Array<{name: string; health: string; targets: Array<{health: string}>}>}
    expect(doc.secrets.length).toBeGreaterThan(0)
    for (const secret of doc.secrets) {
      expect(secret.health, secret.name).toBe('ok')
      for (const target of secret.targets) expect(target.health, secret.name).toBe('ok')
    }
    const text = rotor(['status'], project)
    expect(text.status, text.stderr).toBe(0)
    expect(text.stdout).toContain('SECRET')
  })

  it('carries the SDK versions in the bundle (no SDK package is installed)', () => {
    expect(install.status).toBe(0)
    const result = rotor(['version', '--json'], work)
    expect(result.status, result.stderr).toBe(0)
    const doc = JSON.parse(result.stdout) as {sdks: Record<string, string | null>}
    for (const [sdk, version] of Object.entries(doc.sdks)) expect(version, sdk).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('reads an AWS config through the lazily loaded SDK chunk', () => {
    expect(install.status).toBe(0)
    const project = join(work, 'aws-project')
    mkdirSync(project)
    // Nothing listens on port 9: the SDK chunk must load and fail to connect, not fail to load.
    writeFileSync(
      join(project, 'rotor.yaml'),
      'version: 1\nstores:\n  aws: {type: aws, region: us-east-1, endpoint: "http://127.0.0.1:9"}\nsecrets:\n  api-key: {maxAge: 90d, targets: ["aws:api-key"]}\n',
    )
    const result = rotor(['status', '--json'], project)
    expect(result.stderr + result.stdout).not.toMatch(/Cannot find (module|package)|ERR_MODULE_NOT_FOUND|is not defined/)
  })
})
