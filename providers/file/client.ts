import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {link, mkdir, open as openFile, readFile, rename, rm} from 'node:fs/promises'
import {dirname, resolve} from 'node:path'
import {readAuditHistory} from '../../src/audit/history.js'
import {sharedLogIndex} from '../../src/audit/read.js'
import type {AuditEntry} from '../../src/audit/types.js'
import {AuthError, InvalidRequestError, LockedError, NotFoundError} from '../../src/errors/index.js'
import {sweepStrayTemps, writeFileAtomic} from '../../src/util/atomic-write.js'
import {withLockFile} from '../../src/util/lock-file.js'
import {sleep} from '../../src/util/sleep.js'
import {localDoctor} from '../shared/local-doctor.js'
import {emptyStoreData, snapshotOf, type StoreData, type StoredSecret, type StoredVersion, VersionedModel} from '../shared/versioned-model.js'
import type {
  DescribeManyOptions,
  DescribeResult,
  DoctorCheck,
  PromoteOptions,
  ProviderContext,
  RotorMeta,
  Role,
  SecretSnapshot,
  SecretValue,
  StoreClient,
  VersionInfo,
  VersionSelector,
  WriteOptions,
} from '../types.js'
import {open as openEnvelope, type StoreKeys} from './crypto.js'
import {FILE_STORE_BUSY_MS, fileKind, type Header, isBusy, KeyMismatch, type SecretRecord, StoreDb} from './db.js'
import {StoreRollbackError} from './errors.js'
import type {FileSettings} from './factory.js'
import {readSeen, SeenRecorder, seenFile, writeSeen} from './generation.js'
import {fileCapabilities} from './runtime.js'
import {adoptKey, createKey, exists, fileKeySource, findKey, findMovedFileKey, type FoundKey, type KeySource, readKeyFile} from './key.js'
import {backupKeyFile, finishRotation, keyForRotatedStore, pendingKeyFile, rotationCheckpoint, syncDir} from './rotate-key.js'

const warnOnStderr = (message: string): void => {
  process.stderr.write(`Warning: ${message}\n`)
}

/** A wait for another process's write transaction is reported once it has lasted this long. */
const WAIT_REPORT_AFTER_MS = 1_000

/** A busy store's commits take at most about 1/COMMIT_SHARE of the time (see scheduleCommit). */
const COMMIT_SHARE = 20
const MAX_COMMIT_WAIT_MS = 50

/** `<store file>.v1.bak`: where a migrated v1 store file is kept. */
export const v1BackupFile = (file: string): string => `${file}.v1.bak`

type Context = Pick<ProviderContext, 'auditPath' | 'createMissing' | 'audit' | 'env'>

/**
 * The embedded default store (v2): a SQLite database (db.ts) at the configured `path`. Every
 * contract call is one transaction; every write that changes something advances the store's
 * authenticated generation, and a database older than the generation this user last saw is
 * refused (StoreRollbackError) until `rotor store accept-rollback`. A v1 file found at `path` is
 * migrated on first use, kept as `<path>.v1.bak`, in one audited step.
 */
export class FileStoreClient implements StoreClient {
  readonly capabilities = fileCapabilities

  private constructor(
    readonly storeName: string,
    readonly file: string,
    /** Undefined until the store is first written, when there is no key anywhere yet. */
    private key: Buffer | undefined,
    private readonly now: () => Date,
    private readonly keySource: KeySource,
    private readonly warn: (message: string) => void,
    private readonly context: Context,
  ) {}

  private db?: StoreDb
  private keys?: StoreKeys
  private recorder?: SeenRecorder
  /** The highest generation seen: recorded outside the store, or read from it during this run. */
  private seen = 0
  private seenSource = ''
  private gate: Promise<unknown> = Promise.resolve()
  /** Writes waiting for the next group commit (see mutate). */
  private writes: Array<{path: string; fn: (model: VersionedModel) => unknown; resolve: (value: unknown) => void; reject: (error: unknown) => void}> = []
  /** Whether the audit log records changes to this store; read once, on the first missing file. */
  private history?: Promise<boolean>
  private swept = false
  /** accept-rollback: an older generation is what the operator asked to accept. */
  private accepting = false
  /** The last group commit: when it ended, how long its transaction took (ms), how many writes it held. */
  private lastCommit = {endedAt: 0, tookMs: 0, writes: 0}
  private lastWriteMs = 0

  static async open(storeName: string, settings: FileSettings, context: ProviderContext): Promise<FileStoreClient> {
    const file = resolve(context.baseDir, settings.path)
    const keySource = fileKeySource(storeName, settings, context)
    const warn = context.warn ?? warnOnStderr
    const found = await findKey(keySource, (source) => adoptMovedKey(source, warn))
    return new FileStoreClient(storeName, file, found?.key, context.now, keySource, warn, context)
  }

  describe(path: string): Promise<SecretSnapshot> {
    return this.query([path], (m) => m.describe(path))
  }

  /**
   * Many paths in one read transaction (capabilities.bulkDescribe): the header checked once (key,
   * generation: a rolled-back store fails the whole call, as each describe would), the records
   * fetched a batch of keyed row ids at a time, and no value opened (a describe shows none). Each
   * path gets exactly what its own describe would answer, or the error it would throw.
   */
  describeMany(paths: string[], options: DescribeManyOptions = {}): Promise<Map<string, DescribeResult>> {
    return options.call ? options.call(() => this.describeAll(paths)) : this.describeAll(paths)
  }

  readValue(path: string, selector: VersionSelector): Promise<SecretValue> {
    return this.query([path], (m) => m.readValue(path, selector))
  }

  readRetiredValue(path: string, versionId: string): Promise<SecretValue> {
    return this.query([path], (m) => m.readRetiredValue(path, versionId))
  }

  writeVersion(path: string, value: SecretValue, options: WriteOptions): Promise<VersionInfo> {
    if (Buffer.byteLength(value.reveal()) > this.capabilities.maxValueBytes) {
      throw new InvalidRequestError(`value for ${this.storeName}:${path} exceeds ${this.capabilities.maxValueBytes} bytes`)
    }
    return this.mutate(path, (m) => m.writeVersion(path, value, options))
  }

  promote(path: string, options: PromoteOptions): Promise<void> {
    return this.mutate(path, (m) => m.promote(path, options))
  }

  reinstate(path: string, versionId: string, expectedCurrent: string): Promise<void> {
    return this.mutate(path, (m) => m.reinstate(path, versionId, expectedCurrent))
  }

  retire(path: string, versionId: string, mode: 'disable' | 'destroy'): Promise<void> {
    return this.mutate(path, (m) => m.retire(path, versionId, mode))
  }

  setMeta(path: string, meta: RotorMeta): Promise<void> {
    return this.mutate(path, (m) => m.setMeta(path, meta))
  }

  adopt(path: string): Promise<void> {
    return this.mutate(path, (m) => m.adopt(path))
  }

  async list(prefix: string): Promise<string[]> {
    const db = await this.database(false)
    if (!db) return []
    return this.transact(db, false, (keys) =>
      db
        .allSecrets(keys)
        .map((r) => r.path)
        .filter((p) => p.startsWith(prefix))
        .sort(),
    )
  }

  /**
   * Never migrates nor creates anything: a v1 file is described (and the migration the next
   * command makes is explained); a v2 store is opened as any command would (rollback check included).
   */
  async doctor(paths: string[]): Promise<DoctorCheck[]> {
    let kind
    try {
      kind = await fileKind(this.file)
    } catch (error) {
      return [{check: `open store ${this.storeName}`, ok: false, detail: (error as Error).message}]
    }
    if (kind === 'v1') {
      const checks = await localDoctor(this.storeName, async () => {
        const model = new VersionedModel(await this.readV1(await readFile(this.file, 'utf8')), this.storeName, this.now)
        return paths.map((p) => model.describe(p))
      })
      return [
        ...checks,
        {
          check: `store format of ${this.storeName}`,
          ok: true,
          detail: `${this.file} is a v1 store (one encrypted JSON file). The next rotor command that opens it (plan, status, apply, get, ...) migrates it to the v2 database at the same path in one audited step ("migrate" in the audit log) and keeps the v1 file as ${v1BackupFile(this.file)}; nothing else changes (same key, same values and versions)`,
        },
      ]
    }
    const checks = await localDoctor(this.storeName, async () =>
      [...(await this.describeMany(paths)).values()].map((result) => {
        if (result instanceof Error) throw result
        return result
      }),
    )
    if (this.db && this.keys && checks[0]?.ok) {
      const header = this.db.transaction(false, () => this.db!.readHeader(this.keys!))
      checks.push({
        check: `store format of ${this.storeName}`,
        ok: true,
        detail: `v2 database (SQLite), generation ${header.generation}${header.migratedFrom ? `, migrated from a v1 file on ${header.migratedFrom.at} (kept as ${header.migratedFrom.file})` : ''}; the last generation seen is kept in ${seenFile(this.db.storeIdHex, this.context.env)}`,
      })
    }
    return checks
  }

  async close(): Promise<void> {
    await this.recorder?.flush()
    this.db?.close()
  }

  /** Test seam: write a secret another tool owns. */
  putForeign(path: string, value: string): Promise<void> {
    return this.mutate(path, (m) => m.putForeign(path, value))
  }

  /** The store's authenticated header (accept-rollback, doctor, tests); undefined when there is no store yet. */
  async header(): Promise<Header | undefined> {
    const db = await this.database(false)
    return db ? this.transact(db, false, (_keys, header) => header) : undefined
  }

  /**
   * Steps 0 to 4 of a key rotation (rotate-key.ts), under the rotation's lock: the old key backed
   * up, the new one written as KEY.new, every row sealed anew in one transaction, KEY.new renamed
   * over KEY. A store that already opens with KEY.new (a rotation killed after step 2) only finishes.
   */
  async rotateKey(keyFile: string): Promise<{resumed: boolean}> {
    const db = await this.database(false)
    if (!db) throw new InvalidRequestError(`file store ${this.storeName} has no data yet (${this.file}); there is nothing to re-encrypt`, {store: this.storeName})
    const pending = pendingKeyFile(keyFile)
    const pendingKey = await readKeyFile(pending, this.storeName).catch(() => undefined)
    if (pendingKey && opensWith(db, pendingKey)) {
      await finishRotation(keyFile)
      return {resumed: true}
    }
    // The key that opens the store now (read afresh: it is the one being replaced).
    await this.transact(db, false, () => undefined)
    const oldKey = this.key!
    await writeFileAtomic(backupKeyFile(keyFile), `${oldKey.toString('base64')}\n`, 0o600)
    rotationCheckpoint('backup old key')
    const newKey = randomBytes(32)
    await writeFileAtomic(pending, `${newKey.toString('base64')}\n`, 0o600)
    rotationCheckpoint('write new key')
    const newKeys = db.keysFor(newKey)
    await this.transact(db, true, (keys, header) => {
      // Still ours: nobody replaced KEY.new since (read synchronously, inside the transaction).
      if (readFileSync(pending, 'utf8').trim() !== newKey.toString('base64')) throw new LockedError(`${pending} was replaced by another key rotation; nothing was changed`)
      header.generation += 1
      db.reseal(keys, newKeys, header)
    })
    this.key = newKey
    this.keys = newKeys
    rotationCheckpoint('re-seal store')
    await finishRotation(keyFile)
    return {resumed: false}
  }

  /**
   * `rotor store accept-rollback`: records the store's current generation as the last one seen,
   * even when it is lower than the one on record. The header is still authenticated (the key must
   * open it). Returns both generations; `accepted` is false when there was nothing to accept.
   */
  async acceptRollback(): Promise<{generation: number; seen: number; seenFile: string; accepted: boolean}> {
    this.accepting = true
    try {
      const header = await this.header()
      if (!header || !this.db) throw new InvalidRequestError(`file store ${this.storeName} has no data yet (${this.file}); there is nothing to accept`, {store: this.storeName})
      const file = seenFile(this.db.storeIdHex, this.context.env)
      const recorded = (await readSeen(this.db.storeIdHex, this.context.env, this.warn))?.generation ?? 0
      const accepted = header.generation < recorded
      if (accepted) await writeSeen({store: this.db.storeIdHex, generation: header.generation, path: this.file, time: new Date().toISOString()}, this.context.env)
      return {generation: header.generation, seen: recorded, seenFile: file, accepted}
    } finally {
      this.accepting = false
    }
  }

  /** The generation last recorded outside the store (0: none), and where. */
  get lastSeen(): {generation: number; file: string} {
    return {generation: this.seen, file: this.seenSource}
  }

  private async describeAll(paths: string[]): Promise<Map<string, DescribeResult>> {
    const unique = [...new Set(paths)]
    const db = await this.database(false)
    if (!db) return new Map(unique.map((path) => [path, snapshotOf(path, undefined)]))
    // A read of the fleet: the rows read and opened in a worker meanwhile (used only if the
    // transaction below sees the same state of the store; see StoreDb.readAhead).
    const ahead = unique.length >= StoreDb.readAheadFrom ? await db.readAhead(this.keys!, unique.length) : undefined
    return this.transact(db, false, (keys) => {
      // Each record straight to its snapshot (a describe shows no value, so none is opened); the
      // record was just parsed, so the snapshot may keep its objects.
      const described = new Map<string, DescribeResult>()
      for (const path of unique) described.set(path, undefined!) // the order of `paths`
      db.eachSecret(keys, unique, (path, record) => described.set(path, record instanceof Error ? record : snapshotOf(path, record as StoredRecordView | undefined)), ahead)
      return described
    })
  }

  private async query<T>(paths: string[], fn: (model: VersionedModel) => T): Promise<T> {
    const db = await this.database(false)
    if (!db) return fn(new VersionedModel(emptyStoreData(), this.storeName, this.now))
    return this.transact(db, false, (keys) => {
      const data: StoreData = {format: 1, secrets: {}}
      for (const path of paths) {
        const record = db.getSecret(keys, path)
        if (record) data.secrets[path] = hydrate(db, keys, record)
      }
      return fn(new VersionedModel(data, this.storeName, this.now))
    })
  }

  /**
   * A write: queued, and committed with the other writes queued in the same turn of the event
   * loop (group commit: one transaction, one WAL sync for all of them). Each write runs in its
   * own savepoint, so one that throws (a conflict) is undone alone and fails alone; every caller
   * is answered only after the commit that holds its write, so a call that returns is on disk.
   */
  private async mutate<T>(path: string, fn: (model: VersionedModel) => T): Promise<T> {
    const db = await this.database(true)
    if (!this.swept) {
      this.swept = true
      await sweepStrayTemps(this.file, this.warn)
    }
    return new Promise<T>((resolve, reject) => {
      this.writes.push({path, fn, resolve: resolve as (value: unknown) => void, reject})
      if (this.writes.length === 1) this.scheduleCommit(db)
    })
  }

  /**
   * When the next group commit runs. A commit's WAL fsync blocks this thread (better-sqlite3 is
   * synchronous), so while other writers are about (the last commit held more than one write)
   * the next commit waits until the last one's duration is at most 1/COMMIT_SHARE of the time
   * since it began (never more than MAX_COMMIT_WAIT_MS): the writes arriving meanwhile share it.
   * A lone writer commits at once. Durability is unchanged: every caller is still answered only
   * after the commit that holds its write.
   */
  private scheduleCommit(db: StoreDb): void {
    const {endedAt, tookMs, writes} = this.lastCommit
    const wait = writes > 1 ? Math.min(MAX_COMMIT_WAIT_MS, endedAt + tookMs * (COMMIT_SHARE - 1) - performance.now()) : 0
    if (wait >= 1) setTimeout(() => void this.commitWrites(db), wait)
    else setImmediate(() => void this.commitWrites(db))
  }

  private async commitWrites(db: StoreDb): Promise<void> {
    const batch = this.writes.splice(0, this.writes.length)
    let outcomes: Array<{ok: true; value: unknown} | {ok: false; error: unknown}>
    try {
      outcomes = await this.transact(db, true, (keys, header) => {
        // Run again from the start when the transaction is retried (busy): nothing of a try that
        // rolled back is kept.
        let changed = 0
        const results = batch.map((write) =>
          db.savepoint(() => {
            const before = db.getSecret(keys, write.path)
            const data: StoreData = {format: 1, secrets: before ? {[write.path]: hydrate(db, keys, before)} : {}}
            const value = write.fn(new VersionedModel(data, this.storeName, this.now))
            const after = data.secrets[write.path]
            if (after && persist(db, keys, write.path, before, after)) changed += 1
            return value
          }),
        )
        if (changed > 0) {
          // One step per write that changed something, as when each had its own transaction.
          header.generation += changed
          db.writeHeader(keys, header)
        }
        return results
      })
    } catch (error) {
      for (const write of batch) write.reject(error)
      return
    } finally {
      this.lastCommit = {endedAt: performance.now(), tookMs: this.lastWriteMs, writes: batch.length}
    }
    batch.forEach((write, i) => {
      const outcome = outcomes[i]
      if (outcome.ok) write.resolve(outcome.value)
      else write.reject(outcome.error)
    })
  }

  /**
   * One transaction, with the header checked first (key, generation). Waits, asynchronously, while
   * another process holds the write lock; a key rotated meanwhile is picked up.
   */
  private async transact<T>(db: StoreDb, write: boolean, fn: (keys: StoreKeys, header: Header) => T): Promise<T> {
    const started = Date.now()
    let delay = 2
    let reported = false
    for (;;) {
      let generation = -1
      try {
        if (write) checkpoint('before write transaction')
        const started = performance.now()
        const result = db.transaction(write, () => {
          const header = db.readHeader(this.keys!)
          this.checkGeneration(header)
          if (write) checkpoint('in write transaction')
          const value = fn(this.keys!, header)
          generation = header.generation
          return value
        })
        if (write) this.lastWriteMs = performance.now() - started
        this.seen = Math.max(this.seen, generation)
        // Recorded after the commit (see generation.ts), before the call returns.
        await this.recorder?.record(generation)
        return result
      } catch (error) {
        if (error instanceof KeyMismatch) {
          await this.rekey(db)
          continue
        }
        if (!isBusy(error)) throw error
        const waited = Date.now() - started
        if (waited >= busyLimit(this.context.env)) {
          throw new LockedError(`file store ${this.storeName} (${this.file}) is busy: another process has held its write lock for ${Math.round(waited / 1000)}s`, {
            store: this.storeName,
            ref: this.file,
            hint: 'a rotor process that is stopped or stuck holds it (see `ps`); it was not broken, so no update is lost. Run again once it has finished',
          })
        }
        if (!reported && waited >= WAIT_REPORT_AFTER_MS) {
          reported = true
          this.warn(`waiting for file store ${this.storeName} (${this.file}): another process is writing to it`)
        }
        await sleep(delay * (0.5 + Math.random()))
        delay = Math.min(delay * 2, 100)
      }
    }
  }

  private checkGeneration(header: Header): void {
    if (header.generation >= this.seen || this.accepting) return
    throw new StoreRollbackError(
      `file store ${this.storeName} (${this.file}) is older than the last state seen of it: generation ${header.generation}, but ${this.seen} was seen (${this.seenSource}). It was restored from a backup, copied back from a snapshot, or replaced; using it could hand out values that were rotated away, or lose rotations the other targets already have. Nothing was read or written (a restore on purpose: \`rotor store accept-rollback ${this.storeName}\`)`,
      {
        store: this.storeName,
        ref: this.file,
        hint: `if you put this copy back on purpose (a restore), accept it with \`rotor store accept-rollback ${this.storeName}\` (audited), then \`rotor plan\` shows what differs; otherwise put the newest copy of ${this.file} back`,
      },
    )
  }

  /** The key no longer opens the header: a key rotation happened since it was read. */
  private async rekey(db: StoreDb): Promise<void> {
    const rotated = await keyForRotatedStore(this.keySource, (key) => opensWith(db, key))
    if (!rotated) {
      throw new AuthError(`cannot open ${this.file}: the key does not match (wrong ${this.keySource.keyEnv} or key file?)`, {store: this.storeName, ref: this.file})
    }
    this.key = rotated
    this.keys = db.keysFor(rotated)
  }

  /** The open database; undefined for a read of a store that does not exist yet. Opens, creates or migrates once. */
  private database(write: true): Promise<StoreDb>
  private database(write: boolean): Promise<StoreDb | undefined>
  private database(write: boolean): Promise<StoreDb | undefined> {
    if (this.db) return Promise.resolve(this.db)
    const next = this.gate.then(() => this.openDatabase(write))
    this.gate = next.catch(() => undefined)
    return next
  }

  private async openDatabase(write: boolean): Promise<StoreDb | undefined> {
    if (this.db) return this.db
    let kind = await fileKind(this.file)
    if (kind === 'missing') {
      await this.refuseLostStore()
      if (!write) return undefined
      await this.createStore()
      kind = await fileKind(this.file)
    }
    if (kind === 'v1') {
      await this.migrate()
      kind = await fileKind(this.file)
    }
    const db = kind === 'v2' ? await StoreDb.open(this.file) : undefined
    if (!db) throw new AuthError(`cannot open ${this.file}: it is not a rotor file store`, {store: this.storeName, ref: this.file})
    let migrated: Header['migratedFrom']
    try {
      this.key ??= (await findKey(this.keySource))?.key
      if (!this.key) throw new AuthError(`cannot open ${this.file}: its key was not found`, {store: this.storeName, ref: this.file})
      this.keys = db.keysFor(this.key)
      const seen = await readSeen(db.storeIdHex, this.context.env, this.warn)
      this.seen = seen?.generation ?? 0
      this.seenSource = seen ? `recorded in ${seenFile(db.storeIdHex, this.context.env)} at ${seen.time}` : 'none recorded'
      this.recorder = new SeenRecorder(db.storeIdHex, this.file, this.context.env, this.warn, seen?.generation ?? -1)
      // The first look: key, generation; recorded as seen.
      migrated = await this.transact(db, false, (_keys, header) => header.migratedFrom)
    } catch (error) {
      // Refused (rollback, wrong key): every later call tries again and says the same.
      db.close()
      this.recorder = undefined
      throw error
    }
    this.db = db
    // A migration killed after its rename, before its outcome: it happened; the log says so now.
    if (migrated) await this.underCreationLockIf(() => this.openMigrationIntents(), () => this.closeMigrationIntents(migrated))
    return db
  }

  /** The audit log's open `migrate` intents of this store, oldest first (none without a log). */
  private async openMigrationIntents(): Promise<AuditEntry[]> {
    const {auditPath, audit} = this.context
    if (!auditPath || !audit) return []
    const target = `${this.storeName}:*`
    const open = await sharedLogIndex(auditPath).openIntents('*')
    return open.filter((i) => i.action === 'migrate' && i.target === target).sort((a, b) => a.seq - b.seq)
  }

  /**
   * Closes the `migrate` intents of runs killed between intent and outcome, under the creation
   * lock (a live migration holds it until its outcome is written). `done`: the path holds the
   * migrated database, so the newest intent's migration happened (only a migration's rename puts a
   * migrated database there) and older ones did not; undefined: the path still holds the v1 file,
   * so none happened (the caller migrates again).
   */
  private async closeMigrationIntents(done: Header['migratedFrom'] | undefined): Promise<void> {
    const open = await this.openMigrationIntents()
    for (const [i, intent] of open.entries()) {
      const happened = done !== undefined && i === open.length - 1
      const shows = happened ? `the store is the v2 database it migrated (on ${done.at}, v1 kept as ${done.file})` : done ? 'a later migration made the database' : `${this.file} is still the v1 file, migrated again now`
      await this.context.audit!({
        secret: '*',
        target: intent.target!,
        action: 'migrate',
        reason: `resolved: run ${intent.runId} stopped after its intent (entry ${intent.seq}); ${shows}: the change ${happened ? 'happened' : 'did not happen'}`,
        outcome: happened ? 'ok' : 'failed',
        ...(happened ? {} : {error: 'not done: the run stopped first'}),
        intent: intent.seq,
        intentRunId: intent.runId,
      })
    }
  }

  /** `fn` under the creation lock when `needed()` says so, asked again under the lock. */
  private async underCreationLockIf<T>(needed: () => Promise<T[]>, fn: () => Promise<void>): Promise<void> {
    if ((await needed()).length === 0) return
    await this.underCreationLock(async () => {
      if ((await needed()).length > 0) await fn()
    })
  }

  /** A new store: built in a temp file (mode 0600), then linked into place, so the path never holds half a store. */
  private async createStore(): Promise<void> {
    await mkdir(dirname(this.file), {recursive: true, mode: 0o700})
    await this.underCreationLock(async () => {
      if ((await fileKind(this.file)) !== 'missing') return
      // Under the lock: processes creating the store at once agree on one key.
      const key = await this.writeKey()
      // A WAL left by a store file that was removed belongs to that file, not to the new one.
      for (const leftover of [`${this.file}-wal`, `${this.file}-shm`]) {
        if (await exists(leftover)) {
          await rm(leftover, {force: true})
          this.warn(`removed ${leftover}, left by a store file that is gone`)
        }
      }
      const temp = await this.newTemp()
      try {
        await StoreDb.create(temp, key, {generation: 0, now: this.now()})
        await link(temp, this.file)
        await syncDir(dirname(this.file))
      } finally {
        await rm(temp, {force: true})
      }
    })
  }

  /**
   * v1 -> v2, under `<path>.lock` (the lock v1 writers, older rotor versions included, take), in
   * one audited step: intent; the database built in a temp file; the v1 file copied to
   * `<path>.v1.bak`; the database renamed over the v1 file; outcome. A kill at any point leaves
   * either the v1 file (the next use migrates again) or the whole database.
   */
  private async migrate(): Promise<void> {
    await this.underCreationLock(async () => {
      if ((await fileKind(this.file)) !== 'v1') return
      const sealed = await readFile(this.file, 'utf8')
      const data = await this.readV1(sealed)
      const backup = v1BackupFile(this.file)
      const existing = await readFile(backup, 'utf8').catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined
        throw error
      })
      if (existing !== undefined && existing !== sealed) {
        throw new InvalidRequestError(`cannot migrate file store ${this.storeName} (${this.file}) to v2: ${backup} exists and holds another v1 store`, {
          store: this.storeName,
          ref: backup,
          hint: `move ${backup} away (it is an older backup), then run the command again`,
        })
      }
      const count = Object.keys(data.secrets).length
      const record = {secret: '*', target: `${this.storeName}:*`, action: 'migrate', reason: `v1 file to v2 database (${count} secrets); v1 kept as ${backup}`} as const
      // Earlier runs killed before their rename: the file is still v1, so they did not migrate it.
      await this.closeMigrationIntents(undefined)
      const intent = await this.context.audit?.({...record, outcome: 'intent'})
      const temp = await this.newTemp()
      try {
        const at = this.now().toISOString()
        await StoreDb.create(temp, this.key!, {generation: 1, now: this.now(), migratedFrom: {file: backup, at}}, (db, keys) => {
          for (const [path, secret] of Object.entries(data.secrets)) persist(db, keys, path, undefined, secret)
        })
        if (existing === undefined) {
          await writeNew(backup, sealed)
        }
        checkpoint('migrate: v1 backup written')
        await rename(temp, this.file)
        await syncDir(dirname(this.file))
        checkpoint('migrate: database in place')
      } catch (error) {
        await rm(temp, {force: true})
        await this.context.audit?.({...record, outcome: 'failed', error: (error as Error).message, ...(intent ? {intent: intent.seq} : {})}).catch(() => undefined)
        throw error
      }
      await this.context.audit?.({...record, outcome: 'ok', ...(intent ? {intent: intent.seq} : {})})
      this.warn(`migrated file store ${this.storeName} (${this.file}) from a v1 file to the v2 database (${count} secrets, same key); the v1 file is kept as ${backup}`)
    })
  }

  private underCreationLock(fn: () => Promise<void>): Promise<void> {
    return withLockFile(`${this.file}.lock`, fn, {what: `file store ${this.storeName} (${this.file})`, warn: this.warn})
  }

  private async newTemp(): Promise<string> {
    const temp = `${this.file}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`
    // SQLite keeps the mode of an existing file (and gives its WAL the same).
    await (await openFile(temp, 'wx', 0o600)).close()
    return temp
  }

  /** The v1 store's data; the key that opens it (after a key rotation too) becomes this client's. */
  private async readV1(sealed: string): Promise<StoreData> {
    this.key ??= (await findKey(this.keySource))?.key
    if (!this.key) throw new AuthError(`cannot open ${this.file}: its key was not found`, {store: this.storeName, ref: this.file})
    try {
      return JSON.parse(openEnvelope(sealed, this.key)) as StoreData
    } catch (error) {
      const badKey = (error as Error).message === 'bad-key'
      const rotated = badKey ? await keyForRotatedStore(this.keySource, (key) => opensV1(sealed, key)) : undefined
      if (rotated) {
        this.key = rotated
        return JSON.parse(openEnvelope(sealed, rotated)) as StoreData
      }
      const reason = badKey ? `the key does not match (wrong ${this.keySource.keyEnv} or key file?)` : 'it is not a rotor file store'
      throw new AuthError(`cannot open ${this.file}: ${reason}`, {store: this.storeName, ref: this.file})
    }
  }

  /** The key to write with: the first write of a new store creates it and says where, once. */
  private async writeKey(): Promise<Buffer> {
    if (this.key) return this.key
    // Another process may have created the store and its key since this one opened it.
    const found = (await findKey(this.keySource)) ?? (await createKey(this.keySource))
    this.key = found.key
    if ('created' in found && found.created) {
      this.warn(`created the key of file store ${this.storeName} at ${found.file}: back it up, apart from the store; without it ${this.file} cannot be read`)
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
}

/** A record as snapshotOf reads it (its roles are the model's). */
type StoredRecordView = Parameters<typeof snapshotOf>[1]

/**
 * A record as the shared model's data; each value is read (and authenticated) only when the model
 * asks for it. Without `values` (describe, which shows none) the versions have no value at all.
 */
function hydrate(db: StoreDb, keys: StoreKeys, record: SecretRecord, values = true): StoredSecret {
  return {
    // Copies: the model changes them in place, and `persist` compares them with the record.
    labels: {...record.labels},
    meta: {...record.meta},
    nextVersion: record.nextVersion,
    versions: record.versions.map((v) => {
      const version: StoredVersion = {...v, role: v.role as Role}
      if (values && !v.destroyed) Object.defineProperty(version, 'value', {configurable: true, enumerable: true, get: () => db.getValue(keys, record.path, v.id)})
      return version
    }),
  }
}

/**
 * Writes what the model changed: the record when it differs, a value for each new version (a
 * plain `value`), and no value for a version that lost it (destroyed). True when anything changed.
 */
function persist(db: StoreDb, keys: StoreKeys, path: string, before: SecretRecord | undefined, after: StoredSecret): boolean {
  const record: SecretRecord = {
    path,
    labels: after.labels,
    meta: after.meta,
    nextVersion: after.nextVersion,
    versions: after.versions.map((v) => ({
      id: v.id,
      createdAt: v.createdAt,
      role: v.role,
      enabled: v.enabled,
      destroyed: v.destroyed,
      ...(v.rotationId ? {rotationId: v.rotationId} : {}),
    })),
  }
  let changed = JSON.stringify(record) !== JSON.stringify(before)
  const hadValue = new Set(before?.versions.filter((v) => !v.destroyed).map((v) => v.id))
  for (const v of after.versions) {
    const own = Object.getOwnPropertyDescriptor(v, 'value')
    if (own && 'value' in own && typeof own.value === 'string') {
      db.putValue(keys, path, v.id, own.value)
      changed = true
    } else if (!own && hadValue.has(v.id)) {
      db.deleteValue(keys, path, v.id)
      changed = true
    }
  }
  if (changed) db.putSecret(keys, record)
  return changed
}

/** Whether `key` opens the store's header. */
function opensWith(db: StoreDb, key: Buffer): boolean {
  try {
    db.transaction(false, () => db.readHeader(db.keysFor(key)))
    return true
  } catch {
    return false
  }
}

/**
 * The key of a store moved with its project (key.ts findMovedFileKey), tried on its header: the
 * v2 database's, or a v1 file's envelope. A path with no header yet (nothing there, not a rotor
 * store) is never tried: a new store gets a new key. The key found is copied to the key file of
 * the new path, which is said once (the next run finds that file).
 */
async function adoptMovedKey(source: KeySource, warn: (message: string) => void): Promise<FoundKey | undefined> {
  const kind = await fileKind(source.storeFile).catch(() => 'other' as const)
  let opens: (key: Buffer) => boolean
  let close = (): void => undefined
  if (kind === 'v1') {
    const sealed = await readFile(source.storeFile, 'utf8')
    opens = (key) => opensV1(sealed, key)
  } else if (kind === 'v2') {
    const db = await StoreDb.open(source.storeFile)
    if (!db) return undefined
    opens = (key) => opensWith(db, key)
    close = () => db.close()
  } else {
    return undefined
  }
  try {
    const found = await findMovedFileKey(source, opens)
    if (!found) return undefined
    const adopted = await adoptKey(source, found)
    warn(
      `found the key of file store ${source.storeName} (${source.storeFile}) in ${found.file} (the store was moved with its project, or its folder renamed) and copied it to ${adopted.file}, the key file of its new path; back it up with the other`,
    )
    return adopted
  } finally {
    close()
  }
}

function opensV1(sealed: string, key: Buffer): boolean {
  try {
    openEnvelope(sealed, key)
    return true
  } catch {
    return false
  }
}

/** FILE_STORE_BUSY_MS, or ROTOR_FILE_STORE_BUSY_MS when set (a positive number of ms). */
function busyLimit(env: NodeJS.ProcessEnv): number {
  const setting = Number(env.ROTOR_FILE_STORE_BUSY_MS ?? process.env.ROTOR_FILE_STORE_BUSY_MS)
  return Number.isFinite(setting) && setting > 0 ? setting : FILE_STORE_BUSY_MS
}

async function writeNew(file: string, data: string): Promise<void> {
  const handle = await openFile(file, 'wx', 0o600)
  try {
    await handle.writeFile(data)
    await handle.sync()
  } finally {
    await handle.close()
  }
}


/** The fault tests' hook (test/fault/support/kill-at.mjs); nothing is installed in production. */
function checkpoint(label: string): void {
  const hook = (globalThis as Record<symbol, unknown>)[Symbol.for('rotor.file-store.checkpoint')] as ((label: string) => void) | undefined
  hook?.(label)
}
