/**
 * `rotor store rotate-key`: re-encrypt a file store under a new key. Under the store's lock
 * (writers wait; readers need none), in an order where a kill at any moment leaves the store
 * readable with a key rotor finds:
 *
 *   0. KEY.old  <- old key       (backup, removed at the end)
 *   1. KEY.new  <- new key       (store still sealed with the old key, found in KEY)
 *   2. STORE    <- sealed anew   (atomic rename; readers that fail with KEY try KEY.new)
 *   3. KEY      <- KEY.new       (atomic rename: done)
 *   4. remove KEY.old
 *
 * Running it again after a kill finishes the job: a store that opens with KEY.new resumes at 3.
 */
import {randomBytes} from 'node:crypto'
import {open as openFile, readFile, rename, rm} from 'node:fs/promises'
import {dirname} from 'node:path'
import {UsageError} from '../../src/errors/index.js'
import {writeFileAtomic} from '../../src/util/atomic-write.js'
import {withLockFile} from '../../src/util/lock-file.js'
import type {ProviderContext} from '../types.js'
import {open as openEnvelope, seal} from './crypto.js'
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

export async function rotateFileKey(storeName: string, settings: FileSettings, context: Pick<ProviderContext, 'baseDir' | 'env'>): Promise<KeyRotation> {
  const source = fileKeySource(storeName, settings, context)
  if (source.env[source.keyEnv]) {
    throw new UsageError(`the key of file store ${storeName} comes from $${source.keyEnv}; rotor can only rotate a key it keeps in a file`, {
      hint: `unset ${source.keyEnv} to use the key file, or re-encrypt by exporting and importing the values`,
    })
  }
  const found = await findKey(source)
  if (!found?.file) {
    throw new UsageError(`file store ${storeName} has no data yet (${source.storeFile}); there is nothing to re-encrypt`, {
      hint: 'run `rotor apply` first; it creates the store and its key',
    })
  }
  const keyFile = found.file
  return withLockFile(
    `${source.storeFile}.lock`,
    async () => {
      const sealed = await readFile(source.storeFile, 'utf8')
      const pending = pendingKeyFile(keyFile)
      const pendingKey = await readKeyFile(pending, storeName).catch(() => undefined)
      if (pendingKey && opens(sealed, pendingKey)) {
        await finish(keyFile)
        return {store: storeName, storeFile: source.storeFile, keyFile, resumed: true}
      }
      const oldKey = (await readKeyFile(keyFile, storeName)) ?? found.key
      let plaintext: string
      try {
        plaintext = openEnvelope(sealed, oldKey)
      } catch {
        throw new UsageError(`cannot open ${source.storeFile} with ${keyFile}; nothing was changed`)
      }
      await writeFileAtomic(backupKeyFile(keyFile), `${oldKey.toString('base64')}\n`, 0o600)
      checkpoint('backup old key')
      const newKey = randomBytes(32)
      await writeFileAtomic(pending, `${newKey.toString('base64')}\n`, 0o600)
      checkpoint('write new key')
      await writeFileAtomic(source.storeFile, seal(plaintext, newKey), 0o600)
      checkpoint('re-seal store')
      await finish(keyFile)
      return {store: storeName, storeFile: source.storeFile, keyFile, resumed: false}
    },
    {what: `file store ${storeName} (${source.storeFile})`},
  )
}

function opens(sealed: string, key: Buffer): boolean {
  try {
    openEnvelope(sealed, key)
    return true
  } catch {
    return false
  }
}

/** Steps 3 and 4: the new key takes the key file's place, then the backup goes. */
async function finish(keyFile: string): Promise<void> {
  await rename(pendingKeyFile(keyFile), keyFile)
  await syncDir(dirname(keyFile))
  checkpoint('move new key in place')
  await rm(backupKeyFile(keyFile), {force: true})
}

/** The fault tests' kill hook (test/fault/support/kill-at.mjs); nothing is installed in production. */
function checkpoint(label: string): void {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for('rotor.checkpoint')] as ((label: string) => void) | undefined
  hook?.(`rotate-key: ${label}`)
}

async function syncDir(dir: string): Promise<void> {
  const handle = await openFile(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * After a key rotation was killed between writing the store and renaming the new key into place
 * (or while a reader raced it): the key that opens `sealed`, from `KEY.new` or a fresh read of
 * `KEY`. Undefined when the key comes from the environment or nothing opens it.
 */
export async function keyForRotatedStore(source: KeySource, sealed: string): Promise<Buffer | undefined> {
  if (source.env[source.keyEnv]) return undefined
  const found = await findKey(source).catch(() => undefined)
  if (!found?.file) return undefined
  for (const file of [pendingKeyFile(found.file), found.file]) {
    const key = await readKeyFile(file, source.storeName).catch(() => undefined)
    if (key && opens(sealed, key)) return key
  }
  return undefined
}
