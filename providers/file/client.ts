import {mkdir, readFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {AuthError, InvalidRequestError} from '../../src/errors/index.js'
import {sweepStrayTemps, writeFileAtomic} from '../../src/util/atomic-write.js'
import {withLockFile} from '../../src/util/lock-file.js'
import {localDoctor} from '../shared/local-doctor.js'
import {emptyStoreData, type StoreData, VersionedModel} from '../shared/versioned-model.js'
import type {
  DoctorCheck,
  PromoteOptions,
  ProviderContext,
  RotorMeta,
  SecretSnapshot,
  SecretValue,
  StoreClient,
  VersionInfo,
  VersionSelector,
  WriteOptions,
} from '../types.js'
import {open as openEnvelope, seal} from './crypto.js'
import type {FileSettings} from './factory.js'
import {fileCapabilities} from './runtime.js'
import {loadKey} from './key.js'

const warnOnStderr = (message: string): void => {
  process.stderr.write(`Warning: ${message}\n`)
}

/**
 * The embedded default store: every change is lock, read, decrypt, change, encrypt, atomic
 * rename, unlock. Reads take no lock: the rename makes every read see a whole file.
 */
export class FileStoreClient implements StoreClient {
  readonly capabilities = fileCapabilities

  private constructor(
    readonly storeName: string,
    private readonly file: string,
    private readonly key: Buffer,
    private readonly now: () => Date,
    private readonly warn?: (message: string) => void,
  ) {}

  static async open(storeName: string, settings: FileSettings, context: ProviderContext): Promise<FileStoreClient> {
    const file = resolve(context.baseDir, settings.path)
    const key = await loadKey({
      keyEnv: settings.keyEnv,
      keyFile: resolve(context.baseDir, settings.keyFile),
      storeFile: file,
      storeName,
      env: context.env,
    })
    return new FileStoreClient(storeName, file, key, context.now, context.warn)
  }

  describe(path: string): Promise<SecretSnapshot> {
    return this.query((m) => m.describe(path))
  }

  describeMany(paths: string[]): Promise<SecretSnapshot[]> {
    return this.query((m) => paths.map((p) => m.describe(p)))
  }

  readValue(path: string, selector: VersionSelector): Promise<SecretValue> {
    return this.query((m) => m.readValue(path, selector))
  }

  readRetiredValue(path: string, versionId: string): Promise<SecretValue> {
    return this.query((m) => m.readRetiredValue(path, versionId))
  }

  writeVersion(path: string, value: SecretValue, options: WriteOptions): Promise<VersionInfo> {
    if (Buffer.byteLength(value.reveal()) > this.capabilities.maxValueBytes) {
      throw new InvalidRequestError(`value for ${this.storeName}:${path} exceeds ${this.capabilities.maxValueBytes} bytes`)
    }
    return this.mutate((m) => m.writeVersion(path, value, options))
  }

  promote(path: string, options: PromoteOptions): Promise<void> {
    return this.mutate((m) => m.promote(path, options))
  }

  reinstate(path: string, versionId: string, expectedCurrent: string): Promise<void> {
    return this.mutate((m) => m.reinstate(path, versionId, expectedCurrent))
  }

  retire(path: string, versionId: string, mode: 'disable' | 'destroy'): Promise<void> {
    return this.mutate((m) => m.retire(path, versionId, mode))
  }

  setMeta(path: string, meta: RotorMeta): Promise<void> {
    return this.mutate((m) => m.setMeta(path, meta))
  }

  adopt(path: string): Promise<void> {
    return this.mutate((m) => m.adopt(path))
  }

  list(prefix: string): Promise<string[]> {
    return this.query((m) => m.list(prefix))
  }

  async doctor(paths: string[]): Promise<DoctorCheck[]> {
    return localDoctor(this.storeName, () => this.describeMany(paths))
  }

  async close(): Promise<void> {}

  /** Test seam: write a secret another tool owns. */
  putForeign(path: string, value: string): Promise<void> {
    return this.mutate((m) => m.putForeign(path, value))
  }

  private async query<T>(fn: (model: VersionedModel) => T): Promise<T> {
    return fn(new VersionedModel(await this.load(), this.storeName, this.now))
  }

  private async mutate<T>(fn: (model: VersionedModel) => T): Promise<T> {
    // The lock file lives next to the store, whose directory may not exist yet (key from env).
    await mkdir(dirname(this.file), {recursive: true, mode: 0o700})
    return withLockFile(
      `${this.file}.lock`,
      async () => {
        // Holding the lock, no writer of ours is between its temp file and the rename: temp files
        // of dead writers (killed mid-write) are debris. Level-triggered: the next writer removes them.
        await sweepStrayTemps(this.file, this.warn ?? warnOnStderr)
        const data = await this.load()
        const result = fn(new VersionedModel(data, this.storeName, this.now))
        await writeFileAtomic(this.file, seal(JSON.stringify(data), this.key))
        return result
      },
      {what: `file store ${this.storeName} (${this.file})`, ...(this.warn ? {warn: this.warn} : {})},
    )
  }

  private async load(): Promise<StoreData> {
    let sealed: string
    try {
      sealed = await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return emptyStoreData()
      throw error
    }
    try {
      return JSON.parse(openEnvelope(sealed, this.key)) as StoreData
    } catch (error) {
      const reason = (error as Error).message === 'bad-key' ? 'the key does not match (wrong ROTOR_FILE_KEY or key file?)' : 'it is not a rotor file store'
      throw new AuthError(`cannot open ${this.file}: ${reason}`, {store: this.storeName, ref: this.file})
    }
  }
}
