/**
 * The file store's read-ahead (StoreDb.readAhead): a worker thread that reads every record of a
 * store and opens each one (AES-256-GCM, its associated data naming the store and the row, exactly
 * as StoreDb.openRecord does), so a read of the whole fleet spends the second core on SQLite and
 * the cipher while the main thread parses. It sees the key the main thread hands it and sends
 * back plaintext records, in memory, as the main thread's own scan would hold them; nothing is
 * written anywhere.
 *
 * Messages to the parent: `{page}` for each page of rows, the records that authenticated as the
 * text of one JSON array; then `{header, rows}` (the sealed header read in the same read
 * transaction, so the main thread can tell the rows are the state it checked), or `{error}`.
 */
import {parentPort, workerData} from 'node:worker_threads'
import Sqlite from 'better-sqlite3'
import {openBlob} from './crypto.js'
import {type ScanCursor, scanStatements} from './schema.js'

/** What StoreDb.readAhead hands the worker. */
export interface ScanWorkerData {
  file: string
  /** The store's AES-256-GCM key (StoreKeys.seal). */
  seal: Uint8Array
  /** A record's associated data up to its row id (StoreDb's recordAadPrefix). */
  aadPrefix: Uint8Array
  pageRows: number
  /** Stop once the table holds this many rows (then the caller looks its paths up instead). */
  maxRows: number
  /** The column pages follow (StoreDb.cursor). */
  cursor: ScanCursor
}

/** `page`: records as the text of a JSON array; `rows`: how many rows the table holds (at most maxRows). */
export type ScanWorkerMessage = {page: string} | {header: Uint8Array; rows: number} | {error: string}

const SPACE = 0x20
const OPEN = Buffer.from('[')
const COMMA = Buffer.from(',')
const CLOSE = Buffer.from(']')

/** The records of one page as the text of one JSON array (padding dropped). */
function pageOf(records: Buffer[]): string {
  // `[`, the records, a comma between each two, `]`.
  let size = 2 + Math.max(records.length - 1, 0)
  for (const r of records) size += r.length
  const page = Buffer.allocUnsafe(size)
  let at = OPEN.copy(page, 0)
  records.forEach((r, i) => {
    if (i > 0) at += COMMA.copy(page, at)
    at += r.copy(page, at)
  })
  CLOSE.copy(page, at)
  return page.toString('utf8')
}

function scan(data: ScanWorkerData, post: (message: ScanWorkerMessage) => void): void {
  const seal = Buffer.from(data.seal)
  const prefix = Buffer.from(data.aadPrefix)
  const db = new Sqlite(data.file, {fileMustExist: true, timeout: 0})
  try {
    db.exec('BEGIN')
    const header = db.prepare('SELECT header FROM rotor_store WHERE id = 1').pluck().get() as Buffer | undefined
    const {first, next} = scanStatements(db, data.cursor)
    const aad = Buffer.alloc(prefix.length + 32)
    prefix.copy(aad)
    let rows = first.all(data.pageRows) as Array<[Buffer, Buffer, unknown]>
    let count = 0
    for (;;) {
      count += rows.length
      if (count >= data.maxRows) break
      const records: Buffer[] = []
      for (const [id, body] of rows) {
        let rowAad = aad
        if (id.length === 32) id.copy(aad, prefix.length)
        else rowAad = Buffer.concat([prefix, id])
        const plain = openBlob(body, seal, rowAad)
        // One that does not authenticate is left out: the main thread looks its path up by id.
        if (!plain) continue
        let end = plain.length
        while (end > 0 && plain[end - 1] === SPACE) end--
        records.push(plain.subarray(0, end))
      }
      post({page: pageOf(records)})
      if (rows.length < data.pageRows) break
      rows = next.all(rows[rows.length - 1][2], data.pageRows) as Array<[Buffer, Buffer, unknown]>
    }
    db.exec('COMMIT')
    post({header: header ?? new Uint8Array(0), rows: Math.min(count, data.maxRows)})
  } finally {
    db.close()
  }
}

if (parentPort && (workerData as {rotorScan?: unknown} | undefined)?.rotorScan) {
  const port = parentPort
  try {
    scan((workerData as {rotorScan: ScanWorkerData}).rotorScan, (message) => port.postMessage(message))
  } catch (error) {
    port.postMessage({error: (error as Error).message ?? String(error)})
  }
}
