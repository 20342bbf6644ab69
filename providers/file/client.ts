import {mkdir, readFile} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {readAuditHistory} from '../../src/audit/history.js'
import {AuthError, InvalidRequestError, NotFoundError} from '../../src/errors/index.js'
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
import {createKey, fileKeySource, findKey, type KeySource} from './key.js'
import {keyForRotatedStore} from './rotate-key.js'

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
    /** Undefined until the store is first written, when there is no key anywhere yet. */
    private key: Buffer | undefined,
    private readonly now: () => Date,
    private readonly keySource: KeySource,
    private readonly warn?: (message: string) => void,
    private readonly context: Pick<ProviderContext, 'auditPath' | 'createMissing'> = {},
  ) {}

  /** Whether the audit log records changes to this store; read once, on the first missing file. */
  private history?: Promise<boolean>

  static async open(storeName: string, settings: FileSettings, context: ProviderContext): Promise<FileStoreClient> {
    const file = resolve(context.baseDir, settings.path)
    const keySource = fileKeySource(storeName, settings, context)
    const found = await findKey(keySource)
    return new FileStoreClient(storeName, file, found?.key, context.now, keySource, context.warn, context)
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
        await writeFileAtomic(this.file, seal(JSON.stringify(data), await this.writeKey()))
        return result
      },
      {what: `file store ${this.storeName} (${this.file})`, ...(this.warn ? {warn: this.warn} : {})},
    )
  }

  /** The key to write with: the first write of a new store creates it and says where, once. */
  private async writeKey(): Promise<Buffer> {
    if (this.key) return this.key
    // Another process may have created the store and its key since this one opened it.
    const found = (await findKey(this.keySource)) ?? (await createKey(this.keySource))
    this.key = found.key
    if ('created' in found && found.created) {
      this.warn?.(
        `created the key of file store ${this.storeName} at ${found.file}: back it up, apart from the store; without it ${this.file} cannot be read`,
      )
    }
    return found.key
  }

  /**
   * A missing store file is a new, empty store, unless the audit log records changes to this
   * store: then it was lost (deleted, an unmounted volume, a fresh pod) and reading it as empty
   * would let rotor mint new values over live ones elsewhere. Only an explicit `rotor restore` or
   * `apply --recreate` writes it anew.
   */
  private async refuseLostStore(): Promise<void> {
    const {auditPath, createMissing} = this.context
    if (createMissing || !auditPath) return
    this.history ??= readAuditHistory(auditPath).then((h) => h.stores.has(this.storeName))
    if (!(await this.history)) return
    throw new NotFoundError(
      `store file ${this.file} of store ${this.storeName} is missing, but the audit log ${auditPath} records changes to it: the store was lost, not new; restore the file (and its key) from a backup, or put each secret back from its other targets with \`rotor restore <secret>\``,
      {store: this.storeName, ref: this.file, hint: `restore ${this.file} from a backup, or run \`rotor restore <secret>\` (or \`rotor apply --recreate\` to mint new values)`},
    )
  }

  private async load(): Promise<StoreData> {
    let sealed: string
    try {
      sealed = await readFile(this.file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
      await this.refuseLostStore()
      return emptyStoreData()
    }
    // The store file appeared after open (another process wrote it): its key must exist now.
    this.key ??= (await findKey(this.keySource))?.key
    if (!this.key) throw new AuthError(`cannot open ${this.file}: its key was not found`, {store: this.storeName, ref: this.file})
    try {
      return JSON.parse(openEnvelope(sealed, this.key)) as StoreData
    } catch (error) {
      // A key rotation may have re-sealed the store since this key was read (or was killed before
      // moving the new key into place): the key file's sibling KEY.new, or KEY read again, opens it.
      const rotated = (error as Error).message === 'bad-key' ? await keyForRotatedStore(this.keySource, sealed) : undefined
      if (rotated) {
        this.key = rotated
        return JSON.parse(openEnvelope(sealed, rotated)) as StoreData
      }
      const reason = (error as Error).message === 'bad-key' ? 'the key does not match (wrong ROTOR_FILE_KEY or key file?)' : 'it is not a rotor file store'
      throw new AuthError(`cannot open ${this.file}: ${reason}`, {store: this.storeName, ref: this.file})
    }
  }
}
