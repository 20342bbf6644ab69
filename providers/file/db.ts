/**
 * The file store's v2 engine: one SQLite database (WAL mode, synchronous=FULL), one transaction
 * per contract call (`BEGIN IMMEDIATE` for writes), so several processes on one host share it
 * safely and a writer that stalls holds SQLite's write lock, which nobody breaks: the others wait
 * (and give up with LockedError after FILE_STORE_BUSY_MS), they never write over it.
 *
 * What is in the file (see docs/file-store.md):
 *   rotor_store(id=1, format, store_id, header)    store_id: 16 random bytes, in the clear
 *   secrets(id, body)                              id: HMAC-SHA-256(index key, path)
 *   secret_values(secret, version, body)           secret: the row id above; version: its id
 * `header` and every `body` are AES-256-GCM blobs (crypto.ts) under keys derived from the store
 * key and store_id; their associated data names the store, the row and (for values) the path and
 * version id. The header holds the generation: +1 with every write that changes something.
 *
 * better-sqlite3 is synchronous: a transaction runs start to end in one call, never interleaved
 * with another call of this process. It is loaded on first use (`loadSqlite`), so commands that
 * never open a file store do not pay for it.
 */
import {createHmac, randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {open as openFile} from 'node:fs/promises'
import {fileURLToPath} from 'node:url'
import {Worker} from 'node:worker_threads'
import type BetterSqlite3 from 'better-sqlite3'
import {UnavailableError} from '../../src/errors/index.js'
import {deriveKeys, openBlob, padJson, sealBlob, type StoreKeys} from './crypto.js'
import {cursorOf, type ScanCursor, scanStatements} from './schema.js'
import type {ScanWorkerData, ScanWorkerMessage} from './scan-worker.js'

type Database = BetterSqlite3.Database

export const STORE_FORMAT = 2
/** `PRAGMA application_id` of a rotor store: "rot2". */
const APPLICATION_ID = 0x726f7432
const SQLITE_MAGIC = Buffer.from('SQLite format 3\u0000', 'latin1')

/** How long a call waits for another process's write transaction before LockedError. */
export const FILE_STORE_BUSY_MS = 30_000

/** What is at a store's path. */
export type FileKind = 'missing' | 'v1' | 'v2' | 'other'

/** Looks at the first bytes only. EISDIR and EACCES propagate (the caller names the path). */
export async function fileKind(path: string): Promise<FileKind> {
  let handle
  try {
    handle = await openFile(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw error
  }
  try {
    const head = Buffer.alloc(16)
    const {bytesRead} = await handle.read(head, 0, 16, 0)
    if (bytesRead === 16 && head.equals(SQLITE_MAGIC)) return 'v2'
    if (bytesRead > 0 && head.subarray(0, bytesRead).toString('utf8').trimStart().startsWith('{')) return 'v1'
    return 'other'
  } finally {
    await handle.close()
  }
}

let sqlite: Promise<typeof BetterSqlite3> | undefined
/**
 * better-sqlite3 is an optional dependency (a native module: npm installs a prebuilt binary or
 * builds it, and skips it where it can do neither, so that cloud-only users can still install
 * rotor). Without it the file store cannot open: say so and how to get it, not "module not found".
 */
export const loadSqlite = (): Promise<typeof BetterSqlite3> =>
  (sqlite ??= import('better-sqlite3').then(
    (m) => m.default,
    (error: unknown) => {
      sqlite = undefined
      throw new UnavailableError(`the file store needs the native module better-sqlite3, which could not be loaded: ${(error as Error).message.split('\n')[0]}`, {
        retryable: false,
        hint: 'npm skips this optional module when it can neither download a prebuilt binary nor build one: reinstall rotor where npm can reach the registry, or with python3, make and a C++ compiler installed; cloud stores work without it',
        cause: error,
      })
    },
  ))

/** The authenticated header: what the store is and how many writes it has seen. */
export interface Header {
  format: typeof STORE_FORMAT
  /** store_id in hex, repeated under the seal. */
  store: string
  generation: number
  createdAt: string
  /** Set when the store was migrated from a v1 file. */
  migratedFrom?: {file: string; at: string}
}

/** A secret's record: everything but the values. */
export interface SecretRecord {
  path: string
  labels: Record<string, string>
  meta: Record<string, string>
  nextVersion: number
  /** Oldest first; a version has a value row unless destroyed. */
  versions: Array<{id: string; createdAt: string; role: string; enabled: boolean; destroyed: boolean; rotationId?: string}>
}

/**
 * Every record of a store that authenticated, read and opened by a worker thread in one read
 * transaction of its own, with the sealed header that transaction saw (see StoreDb.readAhead).
 */
export interface ReadAhead {
  keys: StoreKeys
  header: Buffer
  /** Rows in the table, counted up to the limit readAhead was given (then no record is kept). */
  rows: number
  records: SecretRecord[]
}

/** The key does not open the header: a wrong key, or a key rotated since it was read. */
export class KeyMismatch extends Error {
  constructor() {
    super('bad-key')
  }
}

/** Another process holds the write lock (or SQLite is recovering the WAL): try again shortly. */
export const isBusy = (error: unknown): boolean => {
  const code = (error as {code?: string}).code ?? ''
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')
}

/** An error of SQLite itself (I/O, full disk, corruption), as opposed to one a call threw. */
const isSqliteError = (error: unknown): boolean => (error as {code?: unknown}).code !== undefined && String((error as {code?: unknown}).code).startsWith('SQLITE_')

/**
 * `secrets` is a rowid table with a unique index on the keyed id. Its rows (~550 bytes) are too big
 * for a WITHOUT ROWID table, whose interior pages hold whole rows: about 6 a page, so a 100k store
 * had a B-tree 6 levels deep and every write dirtied ~3 pages nobody else's write shared, whose
 * WAL frames and checkpoint copies grew faster than the store. Now the rows sit in a rowid B-tree
 * (new rows at its right edge, next to the other writes of a run) and the index holds only
 * (id, rowid). Stores made with the first layout (`id BLOB PRIMARY KEY ... WITHOUT ROWID`) work
 * unchanged: every statement names rows by `id`; only a scan's cursor column differs (cursorOf).
 */
const SCHEMA = `
  CREATE TABLE rotor_store (id INTEGER PRIMARY KEY CHECK (id = 1), format INTEGER NOT NULL, store_id BLOB NOT NULL, header BLOB NOT NULL);
  CREATE TABLE secrets (n INTEGER PRIMARY KEY, id BLOB NOT NULL UNIQUE, body BLOB NOT NULL);
  CREATE TABLE secret_values (secret BLOB NOT NULL, version TEXT NOT NULL, body BLOB NOT NULL, PRIMARY KEY (secret, version)) WITHOUT ROWID;
`


/** Row ids one SELECT of getSecrets asks for (SQLite allows 32,766 parameters a statement). */
const SECRETS_PER_SELECT = 500
/** Rows one SELECT of a scan reads. */
const SCAN_PAGE = 1000
/** A row id: HMAC-SHA-256. */
const ROW_ID_BYTES = 32
/** A bulk read of at least this many paths may scan the table instead (eachSecret). */
const SCAN_FROM = 64
/**
 * A bulk read of at least this many paths of one store has the rows read and opened ahead in a
 * worker thread (readAhead). A worker starts cold (its own isolate, code not yet optimized, a
 * small young generation): measured at 10,000 paths a store it cost more CPU than it saved on the
 * main thread, at 100,000 it took ~40% off the main thread.
 */
export const READ_AHEAD_FROM = 20_000
/**
 * The worker's module: next to this one in tsc's output, and in the bundle (scripts/build.js) an
 * entry of its own in the folder of the chunk that holds this code. Run from the TypeScript
 * sources (tests) there is none, and reads stay on the calling thread.
 */
const SCAN_WORKER = new URL('./scan-worker.js', import.meta.url)
/** eachSecret over `count` paths scans when the table holds fewer rows than this. */
const scanLimit = (count: number): number => 2 * count + 1
const selectSecrets = (count: number): string => `SELECT id, body FROM secrets WHERE id IN (${Array.from({length: count}, () => '?').join(', ')})`

const aad = (...parts: Array<string | Buffer>): Buffer =>
  Buffer.concat(parts.flatMap((p, i) => [...(i > 0 ? [Buffer.from([0])] : []), typeof p === 'string' ? Buffer.from(p, 'utf8') : p]))

/** One open connection to a v2 store. */
export class StoreDb {
  /** The read-ahead worker's module (tests point it at one they bundled from the sources). */
  static scanWorker: URL = SCAN_WORKER
  /** Paths from which FileStoreClient.describeMany reads ahead (READ_AHEAD_FROM; tests lower it). */
  static readAheadFrom = READ_AHEAD_FROM
  private readonly statements: ReturnType<StoreDb['prepare']>
  /** A record's associated data up to its row id (the same for every row of this store). */
  private readonly recordAadPrefix: Buffer
  private readonly selects = new Map<number, BetterSqlite3.Statement>()
  private lastRowId?: {keys: StoreKeys; path: string; id: Buffer}
  /** The header last opened or written, its sealed bytes and the keys (see readHeader). */
  private lastHeader?: {keys: StoreKeys; sealed: Buffer; header: Header}
  /** recordAad of the row being opened (openRecord). */
  private readonly rowAad: Buffer
  /** The column scans page by (the table's layout). */
  readonly cursor: ScanCursor

  private constructor(
    private readonly db: Database,
    readonly path: string,
    readonly storeId: Buffer,
  ) {
    this.cursor = retryBusySync(() => cursorOf(db))
    this.statements = this.prepare()
    this.recordAadPrefix = Buffer.concat([aad('rotor-store-v2', 'secret', storeId), Buffer.from([0])])
    this.rowAad = Buffer.alloc(this.recordAadPrefix.length + ROW_ID_BYTES)
    this.recordAadPrefix.copy(this.rowAad)
  }

  get storeIdHex(): string {
    return this.storeId.toString('hex')
  }

  /** Opens an existing store; undefined when the file is a SQLite database but not a rotor store. */
  static async open(path: string): Promise<StoreDb | undefined> {
    const Sqlite = await loadSqlite()
    const db = new Sqlite(path, {fileMustExist: true, timeout: 0})
    try {
      configure(db)
      if (db.pragma('application_id', {simple: true}) !== APPLICATION_ID) {
        db.close()
        return undefined
      }
      const row = retryBusySync(() => db.prepare('SELECT format, store_id FROM rotor_store WHERE id = 1').get()) as {format: number; store_id: Buffer} | undefined
      if (!row || row.format !== STORE_FORMAT || !Buffer.isBuffer(row.store_id)) {
        db.close()
        return undefined
      }
      return new StoreDb(db, path, row.store_id)
    } catch (error) {
      db.close()
      throw error
    }
  }

  /**
   * Builds a new store at `path` (a temp file the caller then links into place): schema, WAL
   * mode, the header at generation `generation`, and `fill` run in the same transaction.
   */
  static async create(path: string, key: Buffer, extra: Pick<Header, 'migratedFrom'> & {generation: number; now: Date}, fill?: (db: StoreDb, keys: StoreKeys) => void): Promise<void> {
    const Sqlite = await loadSqlite()
    const db = new Sqlite(path, {timeout: 0})
    try {
      db.pragma('journal_mode = WAL')
      configure(db)
      db.pragma(`application_id = ${APPLICATION_ID}`)
      db.pragma(`user_version = ${STORE_FORMAT}`)
      const storeId = randomBytes(16)
      db.exec(SCHEMA)
      const keys = deriveKeys(key, storeId)
      db.prepare('INSERT INTO rotor_store (id, format, store_id, header) VALUES (1, ?, ?, ?)').run(STORE_FORMAT, storeId, Buffer.alloc(0))
      const store = new StoreDb(db, path, storeId)
      db.transaction(() => {
        store.writeHeader(keys, {
          format: STORE_FORMAT,
          store: storeId.toString('hex'),
          generation: extra.generation,
          createdAt: extra.now.toISOString(),
          ...(extra.migratedFrom ? {migratedFrom: extra.migratedFrom} : {}),
        })
        fill?.(store, keys)
      })()
    } finally {
      // Closing the last connection checkpoints the WAL into the file and removes it.
      db.close()
    }
  }

  keysFor(key: Buffer): StoreKeys {
    return deriveKeys(key, this.storeId)
  }

  close(): void {
    if (this.db.open) this.db.close()
  }

  /**
   * Runs `fn` in one transaction: `BEGIN IMMEDIATE` (the write lock) when `write`, else a read
   * snapshot. Throws SQLite's busy error when another process holds what it needs; the caller
   * waits and tries again (asynchronously, so signals and timers still run).
   */
  transaction<T>(write: boolean, fn: () => T): T {
    this.db.exec(write ? 'BEGIN IMMEDIATE' : 'BEGIN')
    try {
      const result = fn()
      this.db.exec('COMMIT')
      return result
    } catch (error) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK')
      throw error
    }
  }

  /**
   * Runs `fn` inside the caller's transaction as a savepoint: what it changed is undone when it
   * throws, and the error is handed back as the outcome instead of ending the transaction.
   */
  savepoint<T>(fn: () => T): {ok: true; value: T} | {ok: false; error: unknown} {
    this.db.exec('SAVEPOINT rotor_call')
    try {
      const value = fn()
      this.db.exec('RELEASE rotor_call')
      return {ok: true, value}
    } catch (error) {
      // A busy or I/O error ends the whole transaction (the caller retries or fails all of it).
      if (!this.db.inTransaction || isBusy(error) || isSqliteError(error)) throw error
      this.db.exec('ROLLBACK TO rotor_call')
      this.db.exec('RELEASE rotor_call')
      return {ok: false, error}
    }
  }

  /**
   * The header, authenticated; KeyMismatch when these keys do not open it. A copy: callers change
   * it. The same sealed bytes as last time under the same keys are the same header, so every
   * transaction of a run checks the header without opening it again (a compare of ~100 bytes).
   */
  readHeader(keys: StoreKeys): Header {
    const row = this.statements.header.get() as {header: Buffer} | undefined
    const known = this.lastHeader
    if (row && known?.keys === keys && known.sealed.equals(row.header)) return copyHeader(known.header)
    const plain = row && openBlob(row.header, keys.seal, aad('rotor-store-v2', 'header', this.storeId))
    if (!plain) throw new KeyMismatch()
    const header = JSON.parse(plain.toString('utf8')) as Header
    if (header.store !== this.storeIdHex || header.format !== STORE_FORMAT) throw new KeyMismatch()
    this.lastHeader = {keys, sealed: Buffer.from(row.header), header: copyHeader(header)}
    return header
  }

  writeHeader(keys: StoreKeys, header: Header): void {
    const sealed = sealBlob(padJson(JSON.stringify(header), 64), keys.seal, aad('rotor-store-v2', 'header', this.storeId))
    this.statements.setHeader.run(sealed)
    // Kept only for comparison: a rolled-back write leaves other bytes in the file, which miss.
    this.lastHeader = {keys, sealed, header: copyHeader(header)}
  }

  rowId(keys: StoreKeys, path: string): Buffer {
    // A write reads, then writes the same path's rows: the last id is asked for again at once.
    const last = this.lastRowId
    if (last?.keys === keys && last.path === path) return last.id
    const id = createHmac('sha256', keys.index).update(path, 'utf8').digest()
    this.lastRowId = {keys, path, id}
    return id
  }

  getSecret(keys: StoreKeys, path: string): SecretRecord | undefined {
    const id = this.rowId(keys, path)
    const row = this.statements.getSecret.get(id) as {body: Buffer} | undefined
    return row ? this.recordOf(keys, path, id, row.body) : undefined
  }

  /**
   * The records of many paths, in the caller's transaction (see eachSecret). Each path gets what
   * getSecret would give it: its record, undefined when there is none, or the error getSecret
   * would throw (that path's alone).
   */
  getSecrets(keys: StoreKeys, paths: readonly string[]): Map<string, SecretRecord | undefined | Error> {
    const records = new Map<string, SecretRecord | undefined | Error>()
    this.eachSecret(keys, paths, (path, record) => records.set(path, record))
    return records
  }

  /**
   * The SELECT for `count` ids: prepared once per count (a run's per-secret reads ask for one or
   * two paths thousands of times; preparing cost more than the read).
   */
  private selectOf(count: number): BetterSqlite3.Statement {
    let statement = this.selects.get(count)
    if (!statement) {
      statement = this.db.prepare(selectSecrets(count))
      if (this.selects.size < 64) this.selects.set(count, statement)
    }
    return statement
  }

  /**
   * Hands each path's record to `each` (as getSecrets would give it), in the caller's transaction.
   * `paths` must not repeat a path. Every record is authenticated (GCM, its associated data naming
   * the store and the row) and is its path's; values are not touched.
   *
   * When the store holds at most twice as many rows as there are paths (a run over the fleet), it
   * reads the whole table once (scanSecrets): no keyed hash per path and no lookup per row. Else
   * it looks the rows up by keyed id (lookupSecrets). Either way the cost grows with the number
   * of paths, not with the store: counting stops at 2 x paths + 1 rows.
   */
  eachSecret(keys: StoreKeys, paths: readonly string[], each: (path: string, record: SecretRecord | undefined | Error) => void, ahead?: ReadAhead): void {
    const limit = scanLimit(paths.length)
    const read = ahead && this.sameState(keys, ahead) ? ahead : undefined
    const scan = paths.length >= SCAN_FROM && (read ? read.rows : (this.statements.countUpTo.get(limit) as number)) < limit
    if (scan) this.scanSecrets(keys, paths, each, read)
    else this.lookupSecrets(keys, paths, each)
  }

  /**
   * The rows of a scan read and opened in a worker thread (scan-worker.ts), in a read transaction
   * of its own, while this thread parses what it sends; for a read of `count` paths (the worker
   * stops counting, and keeps nothing, where eachSecret would look the paths up instead).
   * Undefined when no worker could do it (no worker module, or it failed: the caller's eachSecret
   * then reads on this thread and meets any error itself). Hand the result to eachSecret, which
   * uses it only when the header it checks in its own transaction is byte for byte the one the
   * worker read (every write that changes a row seals the header anew under a fresh IV): the
   * same state of the store; else it reads the rows itself.
   */
  async readAhead(keys: StoreKeys, count: number): Promise<ReadAhead | undefined> {
    const module = StoreDb.scanWorker
    if (!existsSync(fileURLToPath(module))) return undefined
    const data: ScanWorkerData = {file: this.path, seal: keys.seal, aadPrefix: this.recordAadPrefix, pageRows: SCAN_PAGE, maxRows: scanLimit(count), cursor: this.cursor}
    return new Promise((resolve) => {
      const records: SecretRecord[] = []
      let result: ReadAhead | undefined
      const worker = new Worker(module, {workerData: {rotorScan: data}})
      worker.on('message', (message: ScanWorkerMessage) => {
        if ('page' in message) {
          for (const record of JSON.parse(message.page) as SecretRecord[]) records.push(record)
        } else if ('header' in message) {
          result = {keys, header: Buffer.from(message.header), rows: message.rows, records}
        }
      })
      // An error (thrown, or posted) leaves `result` unset: the caller reads on this thread.
      worker.on('error', () => undefined)
      worker.on('exit', () => resolve(result))
    })
  }

  /**
   * Rows by keyed id, SECRETS_PER_SELECT a statement, asked for in key order (a walk along the
   * table's B-tree rather than a jump per row): a batch's row buffers and plaintexts are garbage
   * before the next is read, so a big read never holds all of them.
   */
  private lookupSecrets(keys: StoreKeys, paths: readonly string[], each: (path: string, record: SecretRecord | undefined | Error) => void): void {
    const ids = paths.map((path) => this.rowId(keys, path))
    // Key order by the ids' first 4 bytes (uniform HMAC output: ties are rare and harmless).
    const prefixes = new Uint32Array(ids.length)
    ids.forEach((id, i) => (prefixes[i] = id.readUInt32BE(0)))
    const order = Uint32Array.from(ids.keys()).sort((a, b) => prefixes[a] - prefixes[b])
    const wanted = new Map<string, number>()
    for (let start = 0; start < order.length; start += SECRETS_PER_SELECT) {
      const batch = order.subarray(start, start + SECRETS_PER_SELECT)
      const select = batch.length === SECRETS_PER_SELECT ? this.statements.getSecrets : this.selectOf(batch.length)
      wanted.clear()
      const args = Array.from(batch, (i) => {
        wanted.set(ids[i].toString('latin1'), i)
        return ids[i]
      })
      for (const [id, body] of select.raw().all(...args) as Array<[Buffer, Buffer]>) {
        const i = wanted.get(id.toString('latin1'))
        if (i === undefined) continue
        wanted.delete(id.toString('latin1'))
        let record: SecretRecord | Error
        try {
          record = this.recordOf(keys, paths[i], id, body)
        } catch (error) {
          record = error as Error
        }
        each(paths[i], record)
      }
      for (const i of wanted.values()) each(paths[i], undefined)
    }
  }

  /**
   * One pass over every row: each record is opened (its associated data names its row) and
   * matched to a wanted path by the path inside it. A record that authenticates at a row was
   * sealed there by a holder of the key, who puts a path's record only at the keyed hash of that
   * path. Every path the scan leaves open (not found: a new secret, or a row that does not
   * authenticate) or names twice is then looked up by keyed id, so it gets exactly a lookup's
   * answer, its error included.
   */
  private scanSecrets(keys: StoreKeys, paths: readonly string[], each: (path: string, record: SecretRecord | undefined | Error) => void, ahead?: ReadAhead): void {
    // null: wanted, not found yet (one lookup tells a path not wanted from one not found).
    const found = new Map<string, SecretRecord | null>()
    for (const path of paths) found.set(path, null)
    const twice = new Set<string>()
    const take = (record: SecretRecord) => {
      const before = found.get(record.path)
      if (before === undefined) return
      if (before !== null) twice.add(record.path)
      found.set(record.path, record)
    }
    if (ahead) {
      // Opened by the worker exactly as below; those that did not authenticate are not there.
      for (const record of ahead.records) take(record)
    } else {
      // Pages of SCAN_PAGE rows in key order (a step through the native iterator per row costs more).
      let rows = this.statements.scanFirst.all(SCAN_PAGE) as Array<[Buffer, Buffer, unknown]>
      for (;;) {
        for (const [id, body] of rows) {
          let record: SecretRecord
          try {
            record = this.openRecord(keys, id, body)
          } catch {
            continue // its path, if wanted, is not found here and is looked up below
          }
          take(record)
        }
        if (rows.length < SCAN_PAGE) break
        rows = this.statements.scanNext.all(rows[rows.length - 1][2], SCAN_PAGE) as Array<[Buffer, Buffer, unknown]>
      }
    }
    const open: string[] = []
    for (const [path, record] of found) {
      if (record === null || twice.has(path)) open.push(path)
      else each(path, record)
    }
    if (open.length > 0) this.lookupSecrets(keys, open, each)
  }

  /** Whether a read-ahead saw the state this transaction sees: the same keys, the same sealed header. */
  private sameState(keys: StoreKeys, ahead: ReadAhead): boolean {
    const row = this.statements.header.get() as {header: Buffer} | undefined
    return ahead.keys === keys && row !== undefined && ahead.header.equals(row.header)
  }

  putSecret(keys: StoreKeys, record: SecretRecord): void {
    const id = this.rowId(keys, record.path)
    this.statements.putSecret.run(id, sealBlob(padJson(JSON.stringify(record), 256), keys.seal, this.recordAad(id)))
  }

  /** Every record (list, key rotation): O(n) by nature. */
  allSecrets(keys: StoreKeys): SecretRecord[] {
    return (this.statements.allSecrets.all() as Array<{id: Buffer; body: Buffer}>).map((row) => this.openRecord(keys, row.id, row.body))
  }

  getValue(keys: StoreKeys, path: string, versionId: string): string | undefined {
    const row = this.statements.getValue.get(this.rowId(keys, path), versionId) as {body: Buffer} | undefined
    if (!row) return undefined
    const plain = openBlob(row.body, keys.seal, this.valueAad(path, versionId))
    if (!plain) throw new Error(`value of ${path} version ${versionId} does not authenticate`)
    return (JSON.parse(plain.toString('utf8')) as {v: string}).v
  }

  putValue(keys: StoreKeys, path: string, versionId: string, value: string): void {
    this.statements.putValue.run(this.rowId(keys, path), versionId, sealBlob(padJson(JSON.stringify({v: value}), 64), keys.seal, this.valueAad(path, versionId)))
  }

  deleteValue(keys: StoreKeys, path: string, versionId: string): void {
    this.statements.deleteValue.run(this.rowId(keys, path), versionId)
  }

  /** Re-seals every row and `header` under `to` (key rotation), in the caller's transaction. */
  reseal(from: StoreKeys, to: StoreKeys, header: Header): void {
    const records = this.allSecrets(from)
    const values = records.flatMap((r) => r.versions.flatMap((v) => (v.destroyed ? [] : [{path: r.path, id: v.id, value: this.getValue(from, r.path, v.id)}])))
    this.db.exec('DELETE FROM secret_values; DELETE FROM secrets')
    for (const record of records) this.putSecret(to, record)
    for (const v of values) if (v.value !== undefined) this.putValue(to, v.path, v.id, v.value)
    this.writeHeader(to, header)
  }

  /** Checkpoints the WAL into the database file (tests, after a bulk change). */
  checkpoint(): void {
    this.db.pragma('wal_checkpoint(TRUNCATE)')
  }

  /** The record in row `id` (the row of `path`), authenticated and checked to be `path`'s. */
  private recordOf(keys: StoreKeys, path: string, id: Buffer, body: Buffer): SecretRecord {
    const record = this.openRecord(keys, id, body)
    if (record.path !== path) throw new Error(`record of ${path} names another path`)
    return record
  }

  private openRecord(keys: StoreKeys, id: Buffer, body: Buffer): SecretRecord {
    // The associated data in one buffer reused row after row (GCM takes it in at once): a fleet's
    // read allocates none per row.
    if (id.length === ROW_ID_BYTES) id.copy(this.rowAad, this.recordAadPrefix.length)
    const aadOfRow = id.length === ROW_ID_BYTES ? this.rowAad : this.recordAad(id)
    const plain = openBlob(body, keys.seal, aadOfRow)
    if (!plain) throw new Error('a secret record does not authenticate')
    return JSON.parse(plain.toString('utf8')) as SecretRecord
  }

  /** aad('rotor-store-v2', 'secret', storeId, id), built from the store's prefix. */
  private recordAad(id: Buffer): Buffer {
    return Buffer.concat([this.recordAadPrefix, id], this.recordAadPrefix.length + id.length)
  }

  private valueAad(path: string, versionId: string): Buffer {
    return aad('rotor-store-v2', 'value', this.storeId, path, versionId)
  }

  private prepare() {
    const db = this.db
    const scan = scanStatements(db, this.cursor)
    return {
      header: db.prepare('SELECT header FROM rotor_store WHERE id = 1'),
      setHeader: db.prepare('UPDATE rotor_store SET header = ? WHERE id = 1'),
      getSecret: db.prepare('SELECT body FROM secrets WHERE id = ?'),
      getSecrets: db.prepare(selectSecrets(SECRETS_PER_SELECT)),
      putSecret: db.prepare('INSERT INTO secrets (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body'),
      allSecrets: db.prepare('SELECT id, body FROM secrets'),
      scanFirst: scan.first,
      scanNext: scan.next,
      countUpTo: db.prepare('SELECT count(*) FROM (SELECT 1 FROM secrets LIMIT ?)').pluck(),
      getValue: db.prepare('SELECT body FROM secret_values WHERE secret = ? AND version = ?'),
      putValue: db.prepare('INSERT INTO secret_values (secret, version, body) VALUES (?, ?, ?) ON CONFLICT (secret, version) DO UPDATE SET body = excluded.body'),
      deleteValue: db.prepare('DELETE FROM secret_values WHERE secret = ? AND version = ?'),
    }
  }
}

const copyHeader = (header: Header): Header => ({...header, ...(header.migratedFrom ? {migratedFrom: {...header.migratedFrom}} : {})})

function configure(db: Database): void {
  // FULL: a commit is on disk (the WAL fsynced) when the call returns, as v1's fsynced rename was.
  db.pragma('synchronous = FULL')
  // A checkpoint every 4,000 WAL pages (16 MB; SQLite's default is 1,000): a page written by
  // several commits in between is copied into the database file once. Writes at scale touch pages
  // all over the table, so the copies grew with the store; closing the last connection still
  // checkpoints the rest and removes the WAL.
  db.pragma('wal_autocheckpoint = 4000')
  // No memory map (SQLite's default, mmap_size 0): since bulk reads go page by page (eachSecret)
  // a map saved no measurable time at 100k, while its pages counted in the process's RSS (about
  // 150 MB at 100k) and an I/O error on a mapped page would be a SIGBUS, not an error code.
  db.pragma('foreign_keys = OFF')
  db.pragma('trusted_schema = OFF')
}

/** Opening races a writer's WAL recovery now and then: a few quick tries, synchronously. */
function retryBusySync<T>(fn: () => T): T {
  for (let attempt = 0; ; attempt++) {
    try {
      return fn()
    } catch (error) {
      if (!isBusy(error) || attempt >= 50) throw error
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10)
    }
  }
}
