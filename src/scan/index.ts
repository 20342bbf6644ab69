/**
 * `rotor scan`: find the values (and key formats) of managed secrets in files, staged changes
 * or git history. The report names file, line, column, secret and role, never a value.
 */
import {readdir, readFile, stat} from 'node:fs/promises'
import {join, relative, resolve} from 'node:path'
import type {SecretConfig} from '../config/types.js'
import {UsageError} from '../errors/index.js'
import {addedLines, git, stagedFiles, workTreeFiles} from './git.js'
import type {Leak} from './matcher.js'
import {LeakMatcher} from './matcher.js'
import type {KnownValue} from './values.js'

export {installHook} from './hook.js'
export {collectValues} from './values.js'
export {toSarif} from './sarif.js'
export type {Leak} from './matcher.js'

/** Larger files are skipped and reported: a key is not hidden in a 20 MB artefact, usually. */
export const MAX_FILE_BYTES = 10 * 1024 * 1024
const SKIP_DIRS = new Set(['.git', 'node_modules'])

export type ScanMode = 'files' | 'staged' | 'history'

export interface ScanInput {
  mode: ScanMode
  cwd: string
  paths: string[]
  values: KnownValue[]
  secrets: SecretConfig[]
}

export interface ScanOutcome {
  leaks: Leak[]
  scanned: {files: number; lines?: number}
  skipped: Array<{file: string; reason: string}>
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
  const matcher = new LeakMatcher(input.values, input.secrets)
  if (input.mode === 'history') return scanHistory(matcher, input)
  if (input.mode === 'staged') {
    const leaks: Leak[] = []
    const skipped: ScanOutcome['skipped'] = []
    const files = await stagedFiles(input.cwd, input.paths)
    for (const {file, content} of files) {
      const text = textOf(content)
      if (text === undefined) skipped.push({file, reason: 'binary'})
      else leaks.push(...matcher.scanText(text, file))
    }
    return {leaks, scanned: {files: files.length}, skipped}
  }
  return scanFiles(matcher, input)
}

async function scanFiles(matcher: LeakMatcher, input: ScanInput): Promise<ScanOutcome> {
  const files = await listFiles(input.cwd, input.paths)
  const leaks: Leak[] = []
  const skipped: ScanOutcome['skipped'] = []
  for (const file of files) {
    const full = resolve(input.cwd, file)
    const size = (await stat(full)).size
    if (size > MAX_FILE_BYTES) {
      skipped.push({file, reason: `larger than ${MAX_FILE_BYTES} bytes`})
      continue
    }
    const text = textOf(await readFile(full))
    if (text === undefined) skipped.push({file, reason: 'binary'})
    else leaks.push(...matcher.scanText(text, file))
  }
  return {leaks, scanned: {files: files.length}, skipped}
}

async function scanHistory(matcher: LeakMatcher, input: ScanInput): Promise<ScanOutcome> {
  const leaks: Leak[] = []
  const files = new Set<string>()
  let lines = 0
  for await (const added of addedLines(input.cwd, input.paths)) {
    lines++
    files.add(added.file)
    leaks.push(...matcher.scanText(added.text, added.file, added.commit, added.line - 1))
  }
  return {leaks, scanned: {files: files.size, lines}, skipped: []}
}

/** Inside a git work tree: its tracked and unignored files; elsewhere, a walk of the paths. */
async function listFiles(cwd: string, paths: string[]): Promise<string[]> {
  const inGit = await git(['rev-parse', '--is-inside-work-tree'], {cwd}).then(
    (out) => out.toString().trim() === 'true',
    () => false,
  )
  if (inGit) {
    const listed = await workTreeFiles(cwd, paths)
    const existing: string[] = []
    for (const file of listed) if (await stat(resolve(cwd, file)).then((s) => s.isFile(), () => false)) existing.push(file)
    return existing
  }
  const found: string[] = []
  for (const path of paths.length > 0 ? paths : ['.']) await walk(resolve(cwd, path), cwd, found)
  return found
}

async function walk(path: string, cwd: string, found: string[]): Promise<void> {
  const info = await stat(path)
  if (info.isFile()) {
    found.push(relative(cwd, path) || path)
    return
  }
  if (!info.isDirectory()) return
  for (const entry of await readdir(path, {withFileTypes: true})) {
    if (entry.isDirectory() && SKIP_DIRS.has(entry.name)) continue
    if (entry.isDirectory() || entry.isFile()) await walk(join(path, entry.name), cwd, found)
  }
}

/** UTF-8 text, or undefined for binary content (a NUL byte in the first 8 KiB, as git decides). */
function textOf(content: Buffer): string | undefined {
  if (content.subarray(0, 8192).includes(0)) return undefined
  return content.toString('utf8')
}

/** What an operator should do about one leak. */
export function suggestionFor(leak: Leak): string {
  if (leak.kind === 'format') {
    return `a key in the format of ${leak.secrets.join(', ')} that rotor cannot read (destroyed, from another store, or not rotor's): check where it is valid and revoke it`
  }
  if (leak.role === 'retired') return `a retired version of ${leak.secret}: no longer valid; remove it from the file and history`
  return `rotor rotate ${leak.secret} --emergency --reason leak`
}
