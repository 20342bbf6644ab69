import {randomBytes} from 'node:crypto'
import {mkdir, open, readFile, stat} from 'node:fs/promises'
import {dirname} from 'node:path'
import {AuthError} from '../../src/errors/index.js'

export interface KeySource {
  keyEnv: string
  keyFile: string
  storeFile: string
  storeName: string
  env: NodeJS.ProcessEnv
}

/**
 * The 32-byte key: from the environment variable when set, else from the key file, which is
 * created (mode 0600) only when neither it nor the store file exists yet: a new key for an
 * existing store would make it unreadable.
 */
export async function loadKey(source: KeySource): Promise<Buffer> {
  const fromEnv = source.env[source.keyEnv]
  if (fromEnv) return decodeKey(fromEnv, `environment variable ${source.keyEnv}`, source.storeName)
  try {
    const info = await stat(source.keyFile)
    if ((info.mode & 0o077) !== 0) {
      throw new AuthError(`key file ${source.keyFile} is readable by other users (mode ${(info.mode & 0o777).toString(8)})`, {
        store: source.storeName,
        hint: `run: chmod 600 ${source.keyFile}`,
      })
    }
    return decodeKey(await readFile(source.keyFile, 'utf8'), `key file ${source.keyFile}`, source.storeName)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  if (await exists(source.storeFile)) {
    throw new AuthError(`store file ${source.storeFile} exists but its key was not found`, {
      store: source.storeName,
      hint: `set ${source.keyEnv} to the base64 key, or restore ${source.keyFile}`,
    })
  }
  return createKeyFile(source)
}

async function createKeyFile(source: KeySource): Promise<Buffer> {
  await mkdir(dirname(source.keyFile), {recursive: true, mode: 0o700})
  const key = randomBytes(32)
  try {
    const handle = await open(source.keyFile, 'wx', 0o600)
    await handle.writeFile(`${key.toString('base64')}\n`)
    await handle.sync()
    await handle.close()
    return key
  } catch (error) {
    // Another process created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadKey(source)
    throw error
  }
}

function decodeKey(text: string, where: string, storeName: string): Buffer {
  const key = Buffer.from(text.trim(), 'base64')
  if (key.length !== 32) {
    throw new AuthError(`${where} must hold 32 bytes in base64 (got ${key.length} bytes)`, {
      store: storeName,
      hint: 'generate one with: openssl rand -base64 32',
    })
  }
  return key
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path)
    return true
  } catch {
    return false
  }
}
