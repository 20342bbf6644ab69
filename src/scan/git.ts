/**
 * The git side of scanning: staged blobs (`git show :path`) and every line added in any commit
 * (`git log --all -p -U0`), read as a stream so a long history is never held in memory.
 */
import {spawn} from 'node:child_process'
import {basename, dirname} from 'node:path'
import {createInterface} from 'node:readline'
import {UsageError} from '../errors/index.js'

export interface GitRunOptions {
  cwd: string
}

export async function git(args: string[], options: GitRunOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-c', 'core.quotepath=off', ...args], {cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe']})
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

/** Tracked and untracked, not ignored files of the work tree (relative to `cwd`). */
export async function workTreeFiles(cwd: string, paths: string[]): Promise<string[]> {
  const out = await git(['ls-files', '-z', '--cached', '--others', '--exclude-standard', '--', ...paths], {cwd})
  return [...new Set(out.toString('utf8').split('\0').filter(Boolean))]
}

/** Files added, copied, modified or renamed in the index, with their staged content. */
export async function stagedFiles(cwd: string, paths: string[]): Promise<Array<{file: string; content: Buffer}>> {
  const root = await repoRoot(cwd)
  const names = (await git(['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR', '--', ...paths], {cwd})).toString('utf8').split('\0').filter(Boolean)
  const files: Array<{file: string; content: Buffer}> = []
  for (const file of names) files.push({file, content: await git(['show', `:${file}`], {cwd: root})})
  return files
}

export interface AddedLine {
  commit: string
  file: string
  line: number
  text: string
}

/**
 * Every line added by any commit reachable from any ref. Each leak enters history as an added
 * line somewhere, so this finds it once, at the commit that introduced it. Merge commits show no
 * diff (git's default), so a value typed in a merge resolution is missed: scan the work tree too.
 */
export async function* addedLines(cwd: string, paths: string[]): AsyncGenerator<AddedLine> {
  const child = spawn(
    'git',
    ['-c', 'core.quotepath=off', 'log', '--all', '-p', '-U0', '--no-color', '--no-ext-diff', '--no-renames', '--format=%x00commit %H', '--', ...paths],
    {cwd, stdio: ['ignore', 'pipe', 'pipe']},
  )
  let err = ''
  child.stderr.on('data', (d: Buffer) => (err += d.toString()))
  const closed = new Promise<number>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve(code ?? 1))
  })
  let commit = ''
  let file = ''
  let line = 0
  // Between `diff --git` and the first hunk, `+++ ` names the file; inside a hunk it is content.
  let inHeader = false
  for await (const raw of createInterface({input: child.stdout, crlfDelay: Infinity})) {
    if (raw.startsWith('\0commit ')) {
      commit = raw.slice(8)
      file = ''
      inHeader = false
    } else if (raw.startsWith('diff --git ')) {
      inHeader = true
      file = ''
    } else if (inHeader && raw.startsWith('+++ ')) {
      file = raw === '+++ /dev/null' ? '' : raw.slice(4).replace(/^b\//, '')
    } else if (raw.startsWith('@@ ')) {
      inHeader = false
      const match = /\+(\d+)(?:,\d+)? @@/.exec(raw)
      line = match ? Number(match[1]) : 0
    } else if (!inHeader && raw.startsWith('+') && file) {
      yield {commit, file, line, text: raw.slice(1)}
      line++
    }
  }
  const code = await closed
  // An empty repository has no history: nothing to scan, not an error.
  if (code !== 0 && !/does not have any commits|bad default revision/.test(err)) {
    throw new UsageError(`git log failed: ${err.trim() || `exit ${code}`}`, {hint: 'run rotor scan --history inside a git repository'})
  }
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
