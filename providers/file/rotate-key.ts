/**
 * `rotor store rotate-key`: re-encrypt a file store under a new key. Under `<path>.lock` (one
 * rotation, creation or migration at a time; writers do not take it, they wait on the database's
 * write lock instead), in an order where a kill at any moment leaves the store readable with a
 * key rotor finds:
 *
 *   0. KEY.old  <- old key       (backup, removed at the end)
 *   1. KEY.new  <- new key       (store still sealed with the old key, found in KEY)
 *   2. STORE    <- sealed anew   (one database transaction; readers that fail with KEY try KEY.new)
 *   3. KEY      <- KEY.new       (atomic rename: done)
 *   4. remove KEY.old
 *
 * Running it again after a kill finishes the job: a store that opens with KEY.new resumes at 3.
 * A v1 store is migrated to v2 first (audited), as any command that opens it does.
 */
import {open as openFile, rename, rm} from 'node:fs/promises'
import {dirname} from 'node:path'
import {UsageError} from '../../src/errors/index.js'
import {withLockFile} from '../../src/util/lock-file.js'
import type {ProviderContext} from '../types.js'
import type {FileSettings} from './factory.js'
import {fileKeySource, findKey, type KeySource, readKeyFile} from './key.js'

export interface KeyRotation {
  store: string
  storeFile: string
  keyFile: string
  /** True when an earlier, interrupted rotation was finished rather than a new one made. */
  resumed: boolean
}

export const pendingKeyFile = (keyFile: string) => `${keyFile}.new`
export const backupKeyFile = (keyFile: string) => `${keyFile}.old`

export async function rotateFileKey(
  storeName: string,
  settings: FileSettings,
  context: Pick<ProviderContext, 'baseDir' | 'env'> & Partial<ProviderContext>,
): Promise<KeyRotation> {
  const source = fileKeySource(storeName, settings, context)
  if (source.env[source.keyEnv]) {
    throw new UsageError(`the key of file store ${storeName} comes from $${source.keyEnv}; rotor can only rotate a key it keeps in a file`, {
      hint: `unset ${source.keyEnv} to use the key file, or re-encrypt by exporting and importing the values`,
    })
  }
  const {FileStoreClient} = await import('./client.js')
  // Opened first: a store moved with its project gets its key file back (key.ts) before it is looked for.
  const client = await FileStoreClient.open(storeName, settings, {now: () => new Date(), ...context})
  try {
    const found = await findKey(source)
    if (!found?.file) {
      throw new UsageError(`file store ${storeName} has no data yet (${source.storeFile}); there is nothing to re-encrypt`, {
        hint: 'run `rotor apply` first; it creates the store and its key',
      })
    }
    const keyFile = found.file
    // Opens (migrating a v1 file, refusing a rolled-back store) before the rotation's own lock.
    await client.header()
    return await withLockFile(
      `${source.storeFile}.lock`,
      async () => ({store: storeName, storeFile: source.storeFile, keyFile, resumed: (await client.rotateKey(keyFile)).resumed}),
      {what: `file store ${storeName} (${source.storeFile})`},
    )
  } finally {
    await client.close()
  }
}

/** Steps 3 and 4: the new key takes the key file's place, then the backup goes. */
export async function finishRotation(keyFile: string): Promise<void> {
  await rename(pendingKeyFile(keyFile), keyFile)
  await syncDir(dirname(keyFile))
  rotationCheckpoint('move new key in place')
  await rm(backupKeyFile(keyFile), {force: true})
}

/** The fault tests' kill hook (test/fault/support/kill-at.mjs); nothing is installed in production. */
export function rotationCheckpoint(label: string): void {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for('rotor.checkpoint')] as ((label: string) => void) | undefined
  hook?.(`rotate-key: ${label}`)
}

export async function syncDir(dir: string): Promise<void> {
  const handle = await openFile(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * After a key rotation was killed between writing the store and renaming the new key into place
 * (or while a reader raced it): the key for which `opens` is true, from `KEY.new` or a fresh read
 * of `KEY`. Undefined when the key comes from the environment or nothing opens it.
 */
export async function keyForRotatedStore(source: KeySource, opens: (key: Buffer) => boolean): Promise<Buffer | undefined> {
  if (source.env[source.keyEnv]) return undefined
  const found = await findKey(source).catch(() => undefined)
  if (!found?.file) return undefined
  for (const file of [pendingKeyFile(found.file), found.file]) {
    const key = await readKeyFile(file, source.storeName).catch(() => undefined)
    if (key && opens(key)) return key
  }
  return undefined
}
