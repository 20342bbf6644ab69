/**
 * The git side of scanning: the blobs the index stages and every blob any commit adds, read raw
 * with `git cat-file --batch` (never through diffs, which attributes can hide), as streams so a
 * long history is never held in memory.
 */
import {spawn} from 'node:child_process'
import {basename, dirname} from 'node:path'
import {UsageError} from '../errors/index.js'
import {childEnv} from '../exec/child-env.js'

/**
 * GIT_* variables that carry or fetch a credential, or run a program to (scanning reads the local
 * repository only; it never needs them): askpass helpers, ssh commands, and anything named like a
 * token, password or key. Also config given in the environment that sets one.
 */
const GIT_CREDENTIAL = /ASKPASS|SSH|TOKEN|PASSW|SECRET|CREDENTIAL|AUTH|_KEY$|COOKIE|PROXY/i
const CREDENTIAL_CONFIG = /extraheader|credential|password|token|cookie|proxy|sslkey|sslcert|ssh/i

/**
 * The environment git runs with: rotor's child-environment allow-list (PATH, HOME, locale, ...;
 * never rotor's store keys or cloud credentials, src/exec/child-env.ts), the XDG config home git
 * reads its user config from, and the GIT_* variables that say where the repository is and how to
 * read it (GIT_DIR, GIT_WORK_TREE, GIT_INDEX_FILE, GIT_CONFIG_*, ...), less credential ones.
 */
export function gitEnv(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const values: Record<string, string> = {}
  if (env.XDG_CONFIG_HOME) values.XDG_CONFIG_HOME = env.XDG_CONFIG_HOME
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || !name.startsWith('GIT_') || GIT_CREDENTIAL.test(name) || /^GIT_CONFIG_(COUNT|KEY_\d+|VALUE_\d+)$/.test(name)) continue
    // GIT_CONFIG_PARAMETERS: `git -c` handed down by a git that runs rotor (a hook).
    if (name === 'GIT_CONFIG_PARAMETERS' && CREDENTIAL_CONFIG.test(value)) continue
    values[name] = value
  }
  // GIT_CONFIG_COUNT with GIT_CONFIG_KEY_n / GIT_CONFIG_VALUE_n: the pairs that set no credential,
  // numbered again from 0 (git refuses a count with a pair missing).
  const count = Number(env.GIT_CONFIG_COUNT ?? 0)
  const pairs: Array<[string, string]> = []
  for (let i = 0; Number.isInteger(count) && i < count; i++) {
    const key = env[`GIT_CONFIG_KEY_${i}`]
    const value = env[`GIT_CONFIG_VALUE_${i}`]
    if (key !== undefined && value !== undefined && !CREDENTIAL_CONFIG.test(key)) pairs.push([key, value])
  }
  if (pairs.length > 0) values.GIT_CONFIG_COUNT = String(pairs.length)
  for (const [i, [key, value]] of pairs.entries()) {
    values[`GIT_CONFIG_KEY_${i}`] = key
    values[`GIT_CONFIG_VALUE_${i}`] = value
  }
  return childEnv({env, values})
}

export interface GitRunOptions {
  cwd: string
}

export async function git(args: string[], options: GitRunOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'core.quotepath=off', ...args], {cwd: options.cwd, env: gitEnv(), stdio: ['ignore', 'pipe', 'pipe']})
    const out: Buffer[] = []
    let err = ''
    child.stdout.on('data', (d: Buffer) => out.push(d))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('error', (error) => reject(new UsageError(`cannot run git: ${error.message}`, {hint: 'install git, or scan files without --staged/--history'})))
    child.on('close', (code) => {
      if (code === 0) resolve(Buffer.concat(out))
      else reject(new UsageError(`git ${args[0]} failed: ${err.trim() || `exit ${code}`}`, {hint: 'run rotor scan inside a git work tree'}))
    })
  })
}

export async function repoRoot(cwd: string): Promise<string> {
  return (await git(['rev-parse', '--show-toplevel'], {cwd})).toString('utf8').trim()
}

/**
 * Tracked and untracked files of the work tree (relative to `cwd`); ignored ones and untracked
 * files in `.rotor/` folders only with `includeIgnored`.
 */
export async function workTreeFiles(cwd: string, paths: string[], includeIgnored = false): Promise<string[]> {
  // rotor's own state folder (encrypted stores, the audit log, caches) is never a leak, even when
  // nobody added it to .gitignore; tracked files there are still scanned (a committed store is news).
  const exclude = includeIgnored ? [] : ['--exclude-standard', '--exclude', '.rotor/']
  const out = await git(['ls-files', '-z', '--cached', '--others', ...exclude, '--', ...paths], {cwd})
  return [...new Set(out.toString('utf8').split('\0').filter(Boolean))]
}

/** Ignored paths a work-tree scan leaves out (an ignored folder counts once). */
export async function ignoredPaths(cwd: string, paths: string[]): Promise<string[]> {
  const out = await git(['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--directory', '--', ...paths], {cwd})
  return out.toString('utf8').split('\0').filter(Boolean)
}

/** A blob to scan: where it is and, for history, the first commit that has it there. */
export interface BlobRef {
  file: string
  sha: string
  commit?: string
}

const GITLINK = '160000'
const NULL_SHA = /^0+$/

/**
 * One `--raw` entry (`:oldmode newmode oldsha newsha status`) as the blob it adds, if any:
 * deletions and submodules (gitlinks) have none.
 */
function addedBlob(header: string, file: string, commit?: string): BlobRef | undefined {
  const [, newMode, , newSha, status] = header.slice(1).split(' ')
  if (newMode === GITLINK || NULL_SHA.test(newSha) || status.startsWith('D')) return undefined
  return {file, sha: newSha, ...(commit ? {commit} : {})}
}

/**
 * Blobs the index adds, changes or changes the type of (a symlink replaced by a file is `T`).
 * Read as blobs, so attributes and symlinks decide nothing. Paths are relative to the root.
 */
export async function stagedBlobs(cwd: string, paths: string[]): Promise<BlobRef[]> {
  const out = await git(['diff', '--cached', '--raw', '-z', '--no-renames', '--no-abbrev', '--no-ext-diff', '--diff-filter=ACMT', '--', ...paths], {cwd})
  const tokens = out.toString('utf8').split('\0')
  const blobs: BlobRef[] = []
  for (let i = 0; i + 1 < tokens.length; i++) {
    if (!tokens[i].startsWith(':')) continue
    const blob = addedBlob(tokens[i], tokens[i + 1])
    if (blob) blobs.push(blob)
    i++
  }
  return blobs
}

/**
 * Every blob any commit of any ref adds, once per path, with the first commit (parents before
 * children) that has it there. Merge commits are compared with each parent, so content written in a
 * conflict resolution is read too. Blobs, not diffs: `.gitattributes` (`-diff`, `binary`,
 * textconv drivers) cannot hide or rewrite what is read.
 */
export async function* historyBlobs(cwd: string, paths: string[]): AsyncGenerator<BlobRef> {
  const child = spawn(
    'git',
    ['-c', 'core.quotepath=off', 'log', '--all', '--reverse', '--topo-order', '-m', '--raw', '-z', '--no-renames', '--no-abbrev', '--no-ext-diff', '--format=%H', '--', ...paths],
    {cwd, env: gitEnv(), stdio: ['ignore', 'pipe', 'pipe']},
  )
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const closed = new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code ?? 1))
  })
  const seen = new Set<string>()
  let commit = ''
  let header: string | undefined
  let carry = ''
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    const tokens = (carry + chunk.toString('utf8')).split('\0')
    carry = tokens.pop() ?? ''
    for (const raw of tokens) {
      const token = raw.replace(/^\n+/, '')
      if (header !== undefined) {
        const blob = addedBlob(header, token, commit)
        header = undefined
        if (blob && !seen.has(`${blob.sha}\0${blob.file}`)) {
          seen.add(`${blob.sha}\0${blob.file}`)
          yield blob
        }
      } else if (token.startsWith(':')) header = token
      else if (/^[0-9a-f]{40,64}$/.test(token)) commit = token
    }
  }
  const code = await closed
  // An empty repository has no history: nothing to scan, not an error.
  if (code !== 0 && !/does not have any commits|bad default revision/.test(err)) {
    throw new UsageError(`git log failed: ${err.trim() || `exit ${code}`}`, {hint: 'run rotor scan --history inside a git repository'})
  }
}

/** Object sizes (`git cat-file --batch-check`); a missing object has none. */
export async function blobSizes(cwd: string, shas: string[]): Promise<Map<string, number>> {
  const sizes = new Map<string, number>()
  for await (const line of catFile(cwd, '--batch-check', shas, false)) {
    const [sha, type, size] = line.header.split(' ')
    if (type !== 'missing') sizes.set(sha, Number(size))
  }
  return sizes
}

/** Blob contents, raw (`git cat-file --batch`: no filters, no textconv), in the order asked. */
export async function* readBlobs(cwd: string, shas: string[]): AsyncGenerator<{sha: string; content?: Buffer}> {
  for await (const entry of catFile(cwd, '--batch', shas, true)) {
    const [sha, type] = entry.header.split(' ')
    yield {sha, ...(type === 'missing' ? {} : {content: entry.content})}
  }
}

/**
 * Runs `git cat-file <mode>` over `shas` and parses its answers: a header line each, followed
 * (with `withContent`, unless missing) by that many bytes and a newline. Bodies are copied once
 * into a buffer of their announced size.
 */
async function* catFile(cwd: string, mode: string, shas: string[], withContent: boolean): AsyncGenerator<{header: string; content?: Buffer}> {
  if (shas.length === 0) return
  const child = spawn('git', ['cat-file', mode], {cwd, env: gitEnv(), stdio: ['pipe', 'pipe', 'pipe']})
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const closed = new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code ?? 1))
  })
  child.stdin.on('error', () => {})
  child.stdin.end(`${shas.join('\n')}\n`)
  let pending: Buffer = Buffer.alloc(0)
  let header = ''
  let body: Buffer | undefined
  let filled = 0
  for await (const chunk of child.stdout as AsyncIterable<Buffer>) {
    let data: Buffer = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk
    pending = Buffer.alloc(0)
    while (data.length > 0) {
      if (body && filled < body.length) {
        const take = Math.min(body.length - filled, data.length)
        data.copy(body, filled, 0, take)
        filled += take
        data = data.subarray(take)
        continue
      }
      if (body) {
        // The newline that ends a body.
        yield {header, content: body}
        body = undefined
        data = data.subarray(1)
        continue
      }
      const nl = data.indexOf(10)
      if (nl === -1) {
        pending = Buffer.from(data)
        break
      }
      header = data.toString('utf8', 0, nl)
      data = data.subarray(nl + 1)
      const [, type, size] = header.split(' ')
      if (!withContent || type === 'missing') yield {header}
      else {
        body = Buffer.allocUnsafe(Number(size))
        filled = 0
      }
    }
  }
  const code = await closed
  if (code !== 0) throw new UsageError(`git cat-file failed: ${err.trim() || `exit ${code}`}`, {hint: 'run rotor scan inside a git repository'})
}

export async function hooksDir(cwd: string): Promise<string> {
  return (await git(['rev-parse', '--path-format=absolute', '--git-path', 'hooks'], {cwd})).toString('utf8').trim()
}

/**
 * Whether git would pick `file` up: outside a work tree, ignored there, or not ignored (so a
 * `git add .` would commit it). `file` need not exist; its directory must.
 */
export async function gitExposure(file: string): Promise<'outside' | 'ignored' | 'not-ignored'> {
  const cwd = dirname(file)
  const inside = await git(['rev-parse', '--is-inside-work-tree'], {cwd}).then(
    (out) => out.toString('utf8').trim() === 'true',
    () => false,
  )
  if (!inside) return 'outside'
  // check-ignore exits 0 when the path is ignored and 1 when it is not.
  return git(['check-ignore', '-q', '--', basename(file)], {cwd}).then(
    () => 'ignored' as const,
    () => 'not-ignored' as const,
  )
}
