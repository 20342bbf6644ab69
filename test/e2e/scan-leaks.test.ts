import {execFileSync} from 'node:child_process'
import {mkdir, mkdtemp, rm, symlink, unlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type CliResult, json, runCli} from '../support/cli.js'

interface ScanLeak {
  file: string
  line: number
  column: number
  kind: 'value' | 'format'
  encoding: string
  secret: string
  role: string
  commit?: string
}

interface ScanDocument {
  leaks: ScanLeak[]
  skipped: Array<{file: string; reason: string; searchedAsBytes: boolean}>
  ignored?: number
}

/**
 * What real leaks look like, through the built CLI: a value whose characters all change under
 * percent-encoding and base64url, written in every encoded form, in files, in history (also
 * behind `.gitattributes`), in a staged type change and in an ignored file.
 */
describe('scan finds encoded values, reads git blobs and lists what it skips (built CLI)', () => {
  let dir: string
  let value: string
  let leakCommit: string
  const outputs: CliResult[] = []
  const cli = async (...args: string[]) => {
    const result = await runCli(args, {cwd: dir})
    outputs.push(result)
    return result
  }
  const git = (...args: string[]) => execFileSync('git', args, {cwd: dir, encoding: 'utf8'}).trim()
  /**
   * File -> encoding found. Where base64url spells the value's bytes exactly as base64 does (no
   * `+` or `/` in the stable part: it depends on the random value), the scanner keeps one form and
   * names it base64: both names are the right answer for the base64url file then.
   */
  const files = (doc: ScanDocument) =>
    Object.fromEntries(doc.leaks.map((l) => [l.file, l.file === 'leaks/token.b64url' && l.encoding === 'base64' ? 'base64url' : l.encoding]))

  /** One file per form; the Basic header puts the value at byte offset 0, 1 and 2 mod 3 of the encoded blob. */
  const forms = (v: string): Record<string, Buffer | string> => ({
    'leaks/basic-0.http': `GET / HTTP/1.1\nAuthorization: Basic ${Buffer.from(`ab:${v}`).toString('base64')}\n`,
    'leaks/basic-1.http': `Authorization: Basic ${Buffer.from(`abc:${v}`).toString('base64')}\n`,
    'leaks/basic-2.http': `Authorization: Basic ${Buffer.from(`abcd:${v}`).toString('base64')}\n`,
    'leaks/token.b64url': `token=${Buffer.from(`{"k":"${v}"}`).toString('base64url')}\n`,
    'leaks/url.txt': `https://api.example.com/?key=${encodeURIComponent(v)}&x=1\n`,
    'leaks/form.txt': `${new URLSearchParams({key: v}).toString()}\n`,
    'leaks/dump.hex': `${Buffer.from(v).toString('hex')}\n`,
    'leaks/DUMP.HEX': `${Buffer.from(v).toString('hex').toUpperCase()}\n`,
    'leaks/win-bom.reg': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`[HKEY]\r\n"key"="${v}"\r\n`, 'utf16le')]),
    'leaks/win-nobom.txt': Buffer.from(`key=${v}\r\n`, 'utf16le'),
    'leaks/java.txt': Buffer.from(`key=${v}\n`, 'utf16le').swap16(),
  })
  const expected = {
    'leaks/basic-0.http': 'base64',
    'leaks/basic-1.http': 'base64',
    'leaks/basic-2.http': 'base64',
    'leaks/token.b64url': 'base64url',
    'leaks/url.txt': 'percent',
    'leaks/form.txt': 'percent',
    'leaks/dump.hex': 'hex',
    'leaks/DUMP.HEX': 'hex',
    'leaks/win-bom.reg': 'utf16le',
    'leaks/win-nobom.txt': 'utf16le',
    'leaks/java.txt': 'utf16be',
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-scan-'))
    await writeFile(
      join(dir, 'rotor.yaml'),
      `version: 1
audit: {path: .rotor/audit.log}
stores:
  local: {type: file, path: .rotor/secrets.enc}
secrets:
  api-token:
    generator: {length: 40, alphabet: custom, characters: "+/?&=%#:@!*"}
    maxAge: 30d
    grace: 1h
    targets: [local:api/token]
`,
    )
    expect((await cli('apply', '--yes')).code).toBe(0)
    value = (await cli('get', 'api-token', '--reveal')).stdout.trim()
    expect(value).toHaveLength(40)
    git('init', '-q')
    git('config', 'user.email', 'dev@example.com')
    git('config', 'user.name', 'dev')
    // A textconv driver that shows nothing, and a pattern marked as not diffable.
    git('config', 'diff.hide.textconv', 'true')
    await writeFile(join(dir, '.gitignore'), '.rotor/\n.user-config/\n*.local\n')
    await writeFile(join(dir, '.gitattributes'), '*.secret -diff\n*.conv diff=hide\n')
    await mkdir(join(dir, 'leaks'))
    for (const [file, content] of Object.entries(forms(value))) await writeFile(join(dir, file), content)
    await writeFile(join(dir, 'hidden.secret'), `password=${value}\n`)
    await writeFile(join(dir, 'hidden.conv'), `password=${value}\n`)
    await writeFile(join(dir, 'target.txt'), 'nothing here\n')
    await symlink('target.txt', join(dir, 'config.env'))
    git('add', '.')
    git('commit', '-qm', 'leaks')
    leakCommit = git('rev-parse', 'HEAD')
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('finds every encoded form in files and says which encoding matched', async () => {
    const result = await cli('scan', 'leaks', '--json')
    expect(result.code, result.stderr).toBe(4)
    const doc = json<ScanDocument>(result)
    expect(files(doc)).toEqual(expected)
    expect(doc.leaks).toHaveLength(Object.keys(expected).length)
    expect(doc.leaks.every((l) => l.secret === 'api-token' && l.role === 'current')).toBe(true)
    // UTF-16 files are read as text: line and column are those of the decoded text.
    expect(doc.leaks.find((l) => l.file === 'leaks/win-bom.reg')).toMatchObject({line: 2, column: 8})
    const text = await cli('scan', 'leaks')
    expect(text.code).toBe(4)
    expect(text.stdout).toContain('leaks/basic-2.http:1:')
    expect(text.stdout).toContain('base64-encoded')
  })

  it('--history reads blobs: every form, and content .gitattributes hides from diffs (-diff, textconv)', async () => {
    const result = await cli('scan', '--history', '--json')
    expect(result.code, result.stderr).toBe(4)
    const doc = json<ScanDocument>(result)
    expect(files(doc)).toEqual({...expected, 'hidden.secret': 'plain', 'hidden.conv': 'plain'})
    expect(doc.leaks.every((l) => l.commit === leakCommit)).toBe(true)
    expect(doc.leaks.find((l) => l.file === 'hidden.secret')).toMatchObject({line: 1, column: 10})
  })

  it('--history reports a leak once, at the commit that added it, not again in later versions of the file', async () => {
    await writeFile(join(dir, 'hidden.secret'), `# comment\npassword=${value}\n`)
    git('commit', '-qam', 'comment')
    const doc = json<ScanDocument>(await cli('scan', '--history', '--json'))
    expect(doc.leaks.filter((l) => l.file === 'hidden.secret')).toEqual([expect.objectContaining({commit: leakCommit, line: 1})])
  })

  it('--staged scans a type change: a symlink replaced by a file with the value', async () => {
    await unlink(join(dir, 'config.env'))
    await writeFile(join(dir, 'config.env'), `TOKEN=${value}\n`)
    git('add', 'config.env')
    expect(git('diff', '--cached', '--name-status')).toBe('T\tconfig.env')
    const result = await cli('scan', '--staged', '--json')
    expect(result.code, result.stderr).toBe(4)
    expect(json<ScanDocument>(result).leaks).toEqual([expect.objectContaining({file: 'config.env', line: 1, column: 7, encoding: 'plain'})])
    git('reset', '-q')
  })

  it('lists skipped files in text output and fails the run unless --allow-skipped; --max-file-size takes units', async () => {
    await mkdir(join(dir, 'artefacts'))
    await writeFile(join(dir, 'artefacts/big.log'), 'x'.repeat(3000))
    await writeFile(join(dir, 'artefacts/logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d, 1, 2, 3]))
    const text = await cli('scan', 'artefacts', '--max-file-size', '2KB')
    expect(text.code, text.stderr).toBe(3)
    expect(text.stdout).toMatch(/skipped artefacts\/big\.log: larger than .*not searched/)
    expect(text.stdout).toMatch(/skipped artefacts\/logo\.png: binary; searched for raw bytes only/)
    expect(text.stderr).toContain('--allow-skipped')
    const doc = json<ScanDocument>(await cli('scan', 'artefacts', '--max-file-size', '2KB', '--json'))
    expect(doc.skipped.map((s) => s.file).sort()).toEqual(['artefacts/big.log', 'artefacts/logo.png'])
    const allowed = await cli('scan', 'artefacts', '--max-file-size', '2KB', '--allow-skipped')
    expect(allowed.code, allowed.stderr).toBe(0)
    expect(allowed.stdout).toContain('skipped artefacts/logo.png')
    // Under the default limit (10 MiB) the log is read.
    expect(json<ScanDocument>(await cli('scan', 'artefacts', '--json')).skipped.map((s) => s.file)).toEqual(['artefacts/logo.png'])
    const bad = await cli('scan', 'artefacts', '--max-file-size', 'lots')
    expect(bad.code).toBe(64)
    expect(bad.stderr).toContain('--max-file-size')
    // A value stored plainly in a binary file is still found.
    await writeFile(join(dir, 'artefacts/logo.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0]), Buffer.from(value), Buffer.from([0, 1])]))
    const inBinary = json<ScanDocument>(await cli('scan', 'artefacts', '--json'))
    expect(inBinary.leaks).toEqual([expect.objectContaining({file: 'artefacts/logo.png', encoding: 'plain'})])
  })

  it('scans ignored files only with --include-ignored, and says how many were left out', async () => {
    await writeFile(join(dir, 'prod.local'), `TOKEN=${value}\n`)
    const plain = await cli('scan', 'prod.local', '--json')
    expect(plain.code, plain.stderr).toBe(0)
    expect(json<ScanDocument>(plain)).toMatchObject({leaks: [], ignored: 1})
    expect((await cli('scan', 'prod.local')).stderr).toContain('1 ignored path(s) not scanned (--include-ignored scans them)')
    const included = await cli('scan', 'prod.local', '--include-ignored', '--json')
    expect(included.code, included.stderr).toBe(4)
    expect(json<ScanDocument>(included).leaks).toEqual([expect.objectContaining({file: 'prod.local', encoding: 'plain'})])
  })

  it('never prints the value or its encoded forms', () => {
    const encoded = [value, encodeURIComponent(value), Buffer.from(value).toString('hex'), Buffer.from(value).toString('base64')]
    // The first two outputs are `apply` and `get --reveal`.
    expect(outputs.length).toBeGreaterThan(10)
    for (const {stdout, stderr} of outputs.slice(2)) for (const form of encoded) expect(stdout + stderr).not.toContain(form)
  })
})

describe("rotor's own state folder (built CLI)", () => {
  let dir: string
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('is not scanned, in git (even when not ignored) or outside it: the SQLite store would be a skipped binary', async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-scan-state-'))
    const cli = (...args: string[]) => runCli(args, {cwd: dir})
    expect((await cli('init')).code).toBe(0)
    expect((await cli('apply', '--yes')).code).toBe(0)
    const outside = await cli('scan', '--json')
    expect(outside.code, outside.stdout + outside.stderr).toBe(0)
    expect(json<ScanDocument>(outside).skipped).toEqual([])
    execFileSync('git', ['init', '-q'], {cwd: dir})
    const inGit = await cli('scan', '--json')
    expect(inGit.code, inGit.stdout + inGit.stderr).toBe(0)
    expect(json<ScanDocument>(inGit).skipped).toEqual([])
    // --include-ignored looks inside it too, and lists the store it cannot read as text.
    const all = await cli('scan', '--json', '--include-ignored')
    expect(json<ScanDocument>(all).skipped.map((s) => s.file)).toContain('.rotor/secrets.enc')
  })
})
