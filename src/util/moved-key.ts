/**
 * A key whose default file is named after a path (the audit log's, the file store's) is lost to
 * that path when the project folder is moved or renamed. The key is still among this user's
 * other default key files: the one that opens (authenticates) what is at the new path is it.
 */
import {readdir} from 'node:fs/promises'
import {join} from 'node:path'

export interface MovedKeySearch {
  /** The folder of the default key files. */
  dir: string
  /** The key file this path would have (not tried: it is missing, or it did not open). */
  own: string
  /** Which file names in `dir` are key files of this kind. */
  accept: (name: string) => boolean
  /** The key in a file; undefined (or a throw) skips the file. */
  read: (file: string) => Promise<Buffer | undefined>
  /** Whether a key opens what is at the new path. */
  opens: (key: Buffer) => boolean
  /** Tried first (e.g. the files of the same store name); ties in name order. */
  prefer?: (name: string) => boolean
}

/** The first key file in `search.dir` whose key opens the moved thing, and that key. */
export async function findMovedKey(search: MovedKeySearch): Promise<{key: Buffer; file: string} | undefined> {
  let names: string[]
  try {
    names = await readdir(search.dir)
  } catch {
    return undefined
  }
  const rank = (name: string) => (search.prefer?.(name) ? 0 : 1)
  const ordered = names.filter((n) => search.accept(n)).sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
  for (const name of ordered) {
    const file = join(search.dir, name)
    if (file === search.own) continue
    const key = await search.read(file).catch(() => undefined)
    if (key && search.opens(key)) return {key, file}
  }
  return undefined
}
