import {randomBytes} from 'node:crypto'
import {link, mkdir, open, readdir, rename, rm, stat} from 'node:fs/promises'
import {basename, dirname, join} from 'node:path'

/**
 * Replace a file so that a crash at any moment leaves either the old or the new content, never
 * a mix: write a temp file in the same directory, fsync it, rename over, fsync the directory.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const dir = dirname(path)
  await mkdir(dir, {recursive: true, mode: 0o700})
  const temp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
  const handle = await open(temp, 'wx', mode)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await rm(temp, {force: true})
    throw error
  }
  await handle.close()
  try {
    await rename(temp, path)
  } catch (error) {
    // The temp file holds the new content in full (for `export`, secret values): never leave it.
    await rm(temp, {force: true})
    throw error
  }
  await syncDir(dir)
}

/**
 * Creates `path` holding `data` unless a file of that name exists (then returns false and leaves
 * it), so that a kill at any moment leaves either no file or the whole file, never an empty or
 * short one: the data is written and fsynced under a temp name, then hard-linked into place (a
 * link, like O_EXCL, fails on an existing name), and the directory fsynced. The temp name is
 * always removed; one a kill leaves behind is debris for sweepStrayTemps.
 */
export async function createFileExclusive(path: string, data: string | Uint8Array, mode = 0o600, tempTag = randomBytes(4).toString('hex')): Promise<boolean> {
  const temp = `${path}.tmp-${process.pid}-${tempTag}`
  try {
    const handle = await open(temp, 'wx', mode)
    try {
      await handle.writeFile(data)
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      await link(temp, path)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
      throw error
    }
    await syncDir(dirname(path))
    return true
  } finally {
    await rm(temp, {force: true})
  }
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } catch {
    // Some file systems cannot fsync a directory; the rename or link is still atomic.
  } finally {
    await handle.close()
  }
}

/** A temp file this old is debris even if a process with its pid runs (pids are reused, hosts differ). */
export const STRAY_TEMP_MAX_AGE_MS = 10 * 60_000
/** A temp file younger than this may belong to a writer on another host that shares the folder. */
export const STRAY_TEMP_MIN_AGE_MS = 5_000

/**
 * Removes temp files `<path>.tmp-<pid>-<suffix>` that a writer killed mid-way left behind (by
 * writeFileAtomic or a lock's owner record): those whose pid no longer runs on this host, or that
 * are older than STRAY_TEMP_MAX_AGE_MS. Never one of this process, never one younger than
 * STRAY_TEMP_MIN_AGE_MS. Returns the names removed; tells `warn` about each.
 */
export async function sweepStrayTemps(path: string, warn?: (message: string) => void): Promise<string[]> {
  const dir = dirname(path)
  const prefix = `${basename(path)}.tmp-`
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  const removed: string[] = []
  const now = Date.now()
  for (const name of names) {
    if (!name.startsWith(prefix)) continue
    const pid = Number(/^(\d+)-/.exec(name.slice(prefix.length))?.[1])
    if (pid === process.pid) continue
    const full = join(dir, name)
    let age: number
    try {
      age = now - (await stat(full)).mtimeMs
    } catch {
      continue
    }
    if (age < STRAY_TEMP_MIN_AGE_MS) continue
    if (age < STRAY_TEMP_MAX_AGE_MS && pidAlive(pid)) continue
    await rm(full, {force: true})
    removed.push(name)
    warn?.(`removed ${full}, left by a write that was cut off (pid ${Number.isSafeInteger(pid) ? pid : 'unknown'}, ${Math.round(age / 1000)}s old)`)
  }
  return removed
}

function pidAlive(pid: number): boolean {
  // 0 and negative pids would address process groups; an unparsable name has no owner.
  if (!Number.isSafeInteger(pid) || pid <= 0) return false
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}
