import {open} from 'node:fs/promises'
import {hashLine, parseEntry} from './entry.js'
import type {AuditEntry} from './types.js'

const NEWLINE = 0x0a

/** One complete line of a log: its hash, and the entry when it parses as one. */
export interface LogLine {
  hash: string
  entry?: AuditEntry
}

/** Every complete line of the log at `path` (none when it does not exist), in file order. */
export async function* readLog(path: string): AsyncGenerator<LogLine> {
  let fh
  try {
    fh = await open(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return
    throw error
  }
  try {
    let rest: Buffer = Buffer.alloc(0)
    for await (const chunk of fh.createReadStream({autoClose: false})) {
      let buf = rest.length > 0 ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer)
      let nl
      while ((nl = buf.indexOf(NEWLINE)) >= 0) {
        yield toLine(buf.subarray(0, nl))
        buf = buf.subarray(nl + 1)
      }
      rest = Buffer.from(buf)
    }
  } finally {
    await fh.close()
  }
}

function toLine(bytes: Buffer): LogLine {
  let parsed: unknown
  try {
    parsed = JSON.parse(bytes.toString('utf8'))
  } catch {
    return {hash: hashLine(bytes)}
  }
  const result = parseEntry(parsed)
  return 'entry' in result ? {hash: hashLine(bytes), entry: result.entry} : {hash: hashLine(bytes)}
}

/** Intents no outcome entry completes, oldest first. */
export async function openIntents(path: string): Promise<AuditEntry[]> {
  const open = new Map<number, AuditEntry>()
  for await (const {entry} of readLog(path)) {
    if (!entry) continue
    if (entry.outcome === 'intent') open.set(entry.seq, entry)
    else if (entry.intent !== undefined) open.delete(entry.intent)
  }
  return [...open.values()]
}
