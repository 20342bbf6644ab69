/**
 * The file store's key: 32 random bytes, base64. Where it is, in order:
 * 1. the environment variable `keyEnv` (ROTOR_FILE_KEY), when set;
 * 2. the `keyFile` setting, when the config names one;
 * 3. `.rotor/file.key` next to the config, where earlier versions created it by default (existing
 *    stores keep working; move it to 4. to keep it apart from the store);
 * 4. the user's config directory (src/util/user-dir.ts), one file per store identity, so a backup
 *    or a copy of the project never holds both the store and its key. The file is named after the
 *    store's path: a store moved with its project (or its folder renamed) finds its key among the
 *    other file-store keys there (the one that opens its header), copied to the new name
 *    (findMovedFileKey, adoptKey). Never with `keyFile` or the environment variable.
 * Reading never creates a key: a store that does not exist yet reads as empty. The first write
 * creates the key (mode 0600) and the caller tells the user where it is, once.
 */
import {createHash, randomBytes} from 'node:crypto'
import {constants} from 'node:fs'
import {lstat, mkdir, open, stat} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {AuthError} from '../../src/errors/index.js'
import {createFileExclusive, sweepStrayTemps} from '../../src/util/atomic-write.js'
import {findMovedKey} from '../../src/util/moved-key.js'
import {rotorUserDir} from '../../src/util/user-dir.js'
import type {ProviderContext} from '../types.js'
import type {FileSettings} from './factory.js'

export interface KeySource {
  keyEnv: string
  /** The `keyFile` setting resolved against the config's directory; undefined when not set. */
  keyFile?: string
  /** The old default key file (`.rotor/file.key` in the config's directory), looked at before the user's. */
  legacyKeyFile?: string
  storeFile: string
  storeName: string
  env: NodeJS.ProcessEnv
}

/** Where earlier versions put the key by default, relative to the config's directory. */
export const LEGACY_KEY_FILE = '.rotor/file.key'

export function fileKeySource(storeName: string, settings: FileSettings, context: Pick<ProviderContext, 'baseDir' | 'env'>): KeySource {
  return {
    keyEnv: settings.keyEnv,
    keyFile: settings.keyFile === undefined ? undefined : resolve(context.baseDir, settings.keyFile),
    legacyKeyFile: resolve(context.baseDir, LEGACY_KEY_FILE),
    storeFile: resolve(context.baseDir, settings.path),
    storeName,
    env: context.env,
  }
}

/** The key file in the user's config directory for this store: named for the store and its path. */
export function userKeyFile(source: Pick<KeySource, 'storeFile' | 'storeName' | 'env'>): string {
  const identity = createHash('sha256').update(resolve(source.storeFile)).digest('hex').slice(0, 16)
  return join(rotorUserDir(source.env), 'keys', `file-${source.storeName}-${identity}.key`)
}

/** Key files to look at, in order; the last one is where a new key goes (unless `keyFile` is set). */
export function keyFileCandidates(source: KeySource): string[] {
  if (source.keyFile) return [source.keyFile]
  return [...(source.legacyKeyFile ? [source.legacyKeyFile] : []), userKeyFile(source)]
}

export interface FoundKey {
  key: Buffer
  /** The key file, or undefined when the key came from the environment. */
  file?: string
}

/**
 * The key, or undefined when there is none and the store file does not exist either (nothing to
 * read, nothing to create for a read). Throws when the store exists but its key cannot be found.
 */
export async function findKey(source: KeySource, moved?: (source: KeySource) => Promise<FoundKey | undefined>): Promise<FoundKey | undefined> {
  const fromEnv = source.env[source.keyEnv]
  if (fromEnv) return {key: decodeKey(fromEnv, `environment variable ${source.keyEnv}`, source.storeName)}
  for (const file of keyFileCandidates(source)) {
    const key = await readKeyFile(file, source.storeName)
    if (key) return {key, file}
  }
  if (await exists(source.storeFile)) {
    // `moved`: the store was moved with its project (findMovedFileKey), never with `keyFile`.
    const adopted = source.keyFile || !moved ? undefined : await moved(source)
    if (adopted) return adopted
    throw new AuthError(`store file ${source.storeFile} exists but its key was not found`, {
      store: source.storeName,
      hint: `set ${source.keyEnv} to the base64 key, or restore the key file (looked at ${keyFileCandidates(source).join(', ')})`,
    })
  }
  return undefined
}

/**
 * The key of a store moved to another path: among this user's other file-store key files, the
 * one that `opens` the store's header. Undefined with `keyFile` or the environment variable set
 * (they name the key; nothing else is tried), or when no key opens it.
 */
export async function findMovedFileKey(source: KeySource, opens: (key: Buffer) => boolean): Promise<FoundKey | undefined> {
  if (source.keyFile || source.env[source.keyEnv]) return undefined
  const own = userKeyFile(source)
  return findMovedKey({
    dir: dirname(own),
    own,
    accept: (name) => name.startsWith('file-') && name.endsWith('.key'),
    prefer: (name) => name.startsWith(`file-${source.storeName}-`),
    read: (file) => readKeyFile(file, source.storeName),
    opens,
  })
}

/** Copies a moved store's key (findMovedFileKey) to its new path's key file; the old file stays (its store may be a copy). */
export async function adoptKey(source: KeySource, found: FoundKey): Promise<FoundKey & {created: boolean}> {
  const file = userKeyFile(source)
  await checkKeyFolder(dirname(file), source.storeName)
  const created = await writeNewKeyFile(file, found.key)
  const key = await readKeyFile(file, source.storeName)
  if (!key) throw new AuthError(`cannot read the key file ${file} just written`, {store: source.storeName})
  return {key, file, created}
}

/**
 * Creates the key file for a store about to be written for the first time. When another process
 * created one first, returns theirs (`created: false`).
 */
export async function createKey(source: KeySource): Promise<FoundKey & {created: boolean}> {
  const file = keyFileCandidates(source).at(-1)!
  await mkdir(dirname(file), {recursive: true, mode: 0o700})
  await checkKeyFolder(dirname(file), source.storeName)
  const key = randomBytes(32)
  await writeNewKeyFile(file, key)
  const found = await readKeyFile(file, source.storeName)
  if (!found) throw new AuthError(`cannot read the key file ${file} just created`, {store: source.storeName})
  return {key: found, file, created: found.equals(key)}
}

/**
 * Writes `key` to a file that must not exist yet, mode 0600, synced; false when one exists. A kill
 * at any moment leaves no key file or the whole one (createFileExclusive), never an empty file
 * that would make the store unopenable.
 */
export async function writeNewKeyFile(file: string, key: Buffer): Promise<boolean> {
  const created = await createFileExclusive(file, `${key.toString('base64')}\n`)
  if (created) await sweepStrayTemps(file)
  return created
}

/**
 * The key in `file`, or undefined when there is no such file. Refuses a key file that is a
 * symbolic link, not a regular file, owned by another user, readable by others, or in a folder
 * that others can write (they could replace it with a key of their own choosing).
 */
export async function readKeyFile(file: string, storeName: string): Promise<Buffer | undefined> {
  let info: Awaited<ReturnType<typeof lstat>>
  try {
    info = await lstat(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const refuse = (why: string, hint: string) => new AuthError(`key file ${file} ${why}`, {store: storeName, ref: file, hint})
  if (info.isSymbolicLink()) throw refuse('is a symbolic link', `put the key file itself at ${file} (mode 0600), not a link to it`)
  if (!info.isFile()) throw refuse('is not a regular file', `put the base64 key in a regular file at ${file}, mode 0600`)
  const uid = currentUid()
  if (uid !== undefined && info.uid !== uid) throw refuse(`is owned by another user (uid ${info.uid}, rotor runs as ${uid})`, `run: chown ${uid} ${file}`)
  if ((info.mode & 0o077) !== 0) {
    throw refuse(`is readable by other users (mode ${(info.mode & 0o777).toString(8)})`, `run: chmod 600 ${file}`)
  }
  await checkKeyFolder(dirname(file), storeName)
  // O_NOFOLLOW and the same inode: the file checked above is the file read.
  const handle = await open(file, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0))
  try {
    const opened = await handle.stat()
    if (opened.ino !== info.ino || opened.dev !== info.dev) throw refuse('was replaced while rotor read it', 'run the command again')
    return decodeKey(await handle.readFile('utf8'), `key file ${file}`, storeName)
  } finally {
    await handle.close()
  }
}

/** A folder for key files: owned by this user (or root), and no one else may create or rename files in it. */
export async function checkKeyFolder(dir: string, storeName: string): Promise<void> {
  const info = await stat(dir)
  const uid = currentUid()
  if (uid !== undefined && info.uid !== uid && info.uid !== 0) {
    throw new AuthError(`the folder ${dir} of the key file is owned by another user (uid ${info.uid})`, {
      store: storeName,
      ref: dir,
      hint: `keep the key in a folder of your own (mode 0700), e.g. the default in ${rotorUserDir()}/keys`,
    })
  }
  if ((info.mode & 0o022) !== 0) {
    throw new AuthError(`the folder ${dir} of the key file can be written by other users (mode ${(info.mode & 0o7777).toString(8)})`, {
      store: storeName,
      ref: dir,
      hint: `run: chmod go-w ${dir} (or keep the key in a folder of your own, mode 0700)`,
    })
  }
}

const currentUid = (): number | undefined => (typeof process.getuid === 'function' ? process.getuid() : undefined)

export function decodeKey(text: string, where: string, storeName: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64')
  if (key.length !== 32) {
    throw new AuthError(`${where} must hold 32 bytes in base64 (got ${key.length} bytes)`, {
      store: storeName,
      hint: 'generate one with: openssl rand -base64 32',
    })
  }
  return key
}

export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
