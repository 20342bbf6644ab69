/**
 * `rotor scan`: find the values (plain and encoded) and key formats of managed secrets in files,
 * staged changes or git history. The report names file, line, column, secret, role and
 * encoding, never a value. What it could not read as text is listed, never passed over.
 */
import {readdir, readFile, stat} from 'node:fs/promises'
import {join, relative, resolve} from 'node:path'
import type {SecretConfig} from '../config/types.js'
import {UsageError} from '../errors/index.js'
import {readable} from './content.js'
import {type BlobRef, blobSizes, git, historyBlobs, ignoredPaths, readBlobs, repoRoot, stagedBlobs, workTreeFiles} from './git.js'
import type {Leak} from './matcher.js'
import {LeakMatcher} from './matcher.js'
import {formatSize} from './size.js'
import {type KnownValue, withFields} from './values.js'

export {installHook} from './hook.js'
export {collectValues} from './values.js'
export {toSarif} from './sarif.js'
export type {Leak} from './matcher.js'
export {parseSize} from './size.js'

/** Larger files are skipped and reported (`--max-file-size`). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024
// Outside git: dependencies, and rotor's own state folder (encrypted stores, the audit log).
const SKIP_DIRS = new Set(['.git', 'node_modules', '.rotor'])

export type ScanMode = 'files' | 'staged' | 'history'

export interface ScanInput {
  mode: ScanMode
  cwd: string
  paths: string[]
  values: KnownValue[]
  secrets: SecretConfig[]
  maxFileBytes?: number
  /** Files scan: ignored files too (in git: ignored by .gitignore; elsewhere: node_modules). */
  includeIgnored?: boolean
}

/**
 * A file or blob not read as text: `binary` and `not UTF-8` ones were still searched byte by byte
 * (`searchedAsBytes`), too large and unreadable ones not at all.
 */
export interface Skipped {
  file: string
  reason: string
  searchedAsBytes: boolean
  commit?: string
}

export interface ScanOutcome {
  leaks: Leak[]
  scanned: {files: number; bytes: number; blobs?: number; commits?: number}
  skipped: Skipped[]
  /** Files mode in git: ignored paths left out (without --include-ignored). */
  ignored?: number
}

/**
 * A path given to a files scan that does not exist is a usage error: scanning nothing there and
 * reporting "no leaks" would be silence. (History and staged scans may name deleted files.)
 */
export async function checkScanPaths(cwd: string, paths: string[]): Promise<void> {
  for (const path of paths) {
    const found = await stat(resolve(cwd, path)).then(
      () => true,
      (error: NodeJS.ErrnoException) => error.code !== 'ENOENT' && error.code !== 'ENOTDIR',
    )
    if (!found) throw new UsageError(`no such file or directory: ${path}`, {hint: 'check the path; rotor scan without paths scans the working directory'})
  }
}

export async function scan(input: ScanInput): Promise<ScanOutcome> {
  const matcher = new LeakMatcher(withFields(input.values), input.secrets)
  const limit = input.maxFileBytes ?? MAX_FILE_BYTES
  if (input.mode === 'files') return scanFiles(matcher, input, limit)
  const cwd = input.mode === 'staged' ? await repoRoot(input.cwd) : input.cwd
  const blobs: BlobRef[] = []
  if (input.mode === 'staged') blobs.push(...(await stagedBlobs(input.cwd, input.paths)))
  else for await (const blob of historyBlobs(input.cwd, input.paths)) blobs.push(blob)
  return scanBlobs(matcher, cwd, blobs, limit, input.mode === 'history')
}

class Collector {
  readonly leaks: Leak[] = []
  readonly skipped: Skipped[] = []
  bytes = 0
  /** History: a line already reported for this file and pattern is not reported again in a later version. */
  private readonly reported = new Set<string>()

  constructor(private readonly matcher: LeakMatcher) {}

  /** Searches `content` once and reports what it finds at each place it appears. */
  examine(content: Buffer, places: Array<{file: string; commit?: string}>, dedupe = false): void {
    const {bytes, charset, notText} = readable(content)
    this.bytes += content.length
    const [first] = places
    const leaks = this.matcher.scan(bytes, first, charset)
    for (const where of places) {
      if (notText) this.skip(where.file, notText, where.commit, true)
      for (const found of leaks) {
        const leak = {...found, file: where.file, ...(where.commit ? {commit: where.commit} : {})}
        if (dedupe) {
          const key = `${leak.file}\0${leak.secret}\0${leak.versionId}\0${leak.encoding}\0${lineAt(bytes, leak.line)}`
          if (this.reported.has(key)) continue
          this.reported.add(key)
        }
        this.leaks.push(leak)
      }
    }
  }

  skip(file: string, reason: string, commit?: string, searchedAsBytes = false): void {
    this.skipped.push({file, reason, searchedAsBytes, ...(commit ? {commit} : {})})
  }
}

const tooLarge = (size: number, limit: number) => `larger than ${formatSize(limit)} (${formatSize(size)}; --max-file-size)`

async function scanFiles(matcher: LeakMatcher, input: ScanInput, limit: number): Promise<ScanOutcome> {
  const {files, ignored, unreadable} = await listFiles(input.cwd, input.paths, Boolean(input.includeIgnored))
  const found = new Collector(matcher)
  found.skipped.push(...(unreadable ?? []))
  const read = (file: string) => readSmallFile(resolve(input.cwd, file), limit)
  // Read the next file while this one is scanned.
  let next = files.length > 0 ? read(files[0]) : undefined
  for (let i = 0; i < files.length; i++) {
    const result = await next!
    next = i + 1 < files.length ? read(files[i + 1]) : undefined
    if ('content' in result) found.examine(result.content, [{file: files[i]}])
    else found.skip(files[i], result.reason)
  }
  return {leaks: found.leaks, scanned: {files: files.length, bytes: found.bytes}, skipped: found.skipped, ...(ignored === undefined ? {} : {ignored})}
}

async function readSmallFile(path: string, limit: number): Promise<{content: Buffer} | {reason: string}> {
  try {
    const size = (await stat(path)).size
    if (size > limit) return {reason: tooLarge(size, limit)}
    return {content: await readFile(path)}
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    return {reason: `unreadable: ${e.code ?? e.message}`}
  }
}

async function scanBlobs(matcher: LeakMatcher, cwd: string, blobs: BlobRef[], limit: number, history: boolean): Promise<ScanOutcome> {
  const found = new Collector(matcher)
  // A blob is read and searched once, wherever it appears (a file copied, a file renamed).
  const bySha = new Map<string, BlobRef[]>()
  for (const blob of blobs) {
    const refs = bySha.get(blob.sha)
    if (refs) refs.push(blob)
    else bySha.set(blob.sha, [blob])
  }
  const sizes = await blobSizes(cwd, [...bySha.keys()])
  const wanted: string[] = []
  for (const [sha, refs] of bySha) {
    const size = sizes.get(sha)
    const reason = size === undefined ? MISSING : size > limit ? tooLarge(size, limit) : undefined
    if (reason) for (const ref of refs) found.skip(ref.file, reason, ref.commit)
    else wanted.push(sha)
  }
  for await (const {sha, content} of readBlobs(cwd, wanted)) {
    const refs = bySha.get(sha) ?? []
    if (content) found.examine(content, refs, history)
    else for (const ref of refs) found.skip(ref.file, MISSING, ref.commit)
  }
  const scanned = {files: new Set(blobs.map((b) => b.file)).size, bytes: found.bytes, blobs: bySha.size}
  return {leaks: found.leaks, scanned: history ? {...scanned, commits: new Set(blobs.map((b) => b.commit)).size} : scanned, skipped: found.skipped}
}

const MISSING = 'unreadable: object missing from the repository'

/** The text of 1-based line `line` (for telling a carried-over line from a new one). */
function lineAt(bytes: Buffer, line: number): string {
  let start = 0
  for (let n = 1; n < line; n++) start = bytes.indexOf(10, start) + 1
  const end = bytes.indexOf(10, start)
  return bytes.toString('latin1', start, end === -1 ? bytes.length : end)
}

/** Inside a git work tree: its tracked and untracked files (ignored ones on request); elsewhere, a walk of the paths. */
async function listFiles(cwd: string, paths: string[], includeIgnored: boolean): Promise<{files: string[]; ignored?: number; unreadable?: Skipped[]}> {
  const inGit = await git(['rev-parse', '--is-inside-work-tree'], {cwd}).then(
    (out) => out.toString().trim() === 'true',
    () => false,
  )
  if (inGit) {
    const listed = await workTreeFiles(cwd, paths, includeIgnored)
    const files: string[] = []
    for (const file of listed) if (await stat(resolve(cwd, file)).then((s) => s.isFile(), () => false)) files.push(file)
    return {files, ...(includeIgnored ? {} : {ignored: (await ignoredPaths(cwd, paths)).length})}
  }
  const found: string[] = []
  const unreadable: Skipped[] = []
  for (const path of paths.length > 0 ? paths : ['.']) await walk(resolve(cwd, path), cwd, found, includeIgnored, unreadable)
  return {files: found, unreadable}
}

async function walk(path: string, cwd: string, found: string[], includeIgnored: boolean, unreadable: Skipped[]): Promise<void> {
  const info = await stat(path)
  if (info.isFile()) {
    found.push(relative(cwd, path) || path)
    return
  }
  if (!info.isDirectory()) return
  let entries
  try {
    entries = await readdir(path, {withFileTypes: true})
  } catch (error) {
    const e = error as NodeJS.ErrnoException
    unreadable.push({file: relative(cwd, path) || path, reason: `unreadable folder: ${e.code ?? e.message}`, searchedAsBytes: false})
    return
  }
  for (const entry of entries) {
    if (entry.isDirectory() && (entry.name === '.git' || (!includeIgnored && SKIP_DIRS.has(entry.name)))) continue
    if (entry.isDirectory() || entry.isFile()) await walk(join(path, entry.name), cwd, found, includeIgnored, unreadable)
  }
}

/** What an operator should do about one leak. */
export function suggestionFor(leak: Leak): string {
  if (leak.kind === 'format') {
    return `a key in the format of ${leak.secrets.join(', ')} that rotor cannot read (destroyed, from another store, or not rotor's): check where it is valid and revoke it`
  }
  if (leak.role === 'retired') return `a retired version of ${leak.secret}: no longer valid; remove it from the file and history`
  return `rotor rotate ${leak.secret} --emergency --reason leak`
}
