/**
 * Which secrets the audit log shows a history for, read loosely: the log's format is the audit
 * writer's business, so this takes any line that parses as JSON with a `secret` string and the
 * outcome `ok` (a change that happened; an `intent` alone may never have reached a store, and a
 * run interrupted before its first write must not make a new secret look lost), and skips the rest (a torn last line, a future entry kind). One
 * streaming pass, O(size), once per run. Read-only: it never changes or verifies the log.
 */
import {createReadStream} from 'node:fs'
import {stat} from 'node:fs/promises'
import {createInterface} from 'node:readline'
import {RotorError} from '../errors/index.js'

export interface AuditHistory {
  /** Secret names with at least one entry. */
  secrets: Set<string>
  /** Store names that entries name as the store of their target (`store:path`). */
  stores: Set<string>
}

export async function readHistory(path: string): Promise<Set<string>> {
  return (await readAuditHistory(path)).secrets
}

export async function readAuditHistory(path: string): Promise<AuditHistory> {
  const names = new Set<string>()
  const stores = new Set<string>()
  // Only a regular file is a log to read (a device such as /dev/full never ends); the audit
  // writer reports anything else when it appends.
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined
    throw error
  })
  if (!info?.isFile()) return {secrets: names, stores}
  const stream = createReadStream(path, {encoding: 'utf8'})
  try {
    for await (const line of createInterface({input: stream, crlfDelay: Infinity})) {
      // Cheap filter before parsing: most lines of a big log are about secrets already seen.
      if (!line.includes('"secret"')) continue
      let entry: unknown
      try {
        entry = JSON.parse(line)
      } catch {
        continue
      }
      if (typeof entry !== 'object' || entry === null) continue
      const {secret, outcome, target} = entry as {secret?: unknown; outcome?: unknown; target?: unknown}
      if (outcome !== 'ok') continue
      if (typeof secret === 'string' && secret !== '*') names.add(secret)
      if (typeof target === 'string' && target.includes(':')) stores.add(target.slice(0, target.indexOf(':')))
    }
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return {secrets: names, stores}
    throw new RotorError(`cannot read the audit log ${path}: ${(error as Error).message}`, {
      ref: path,
      hint: 'rotor reads it to tell a lost primary from a new secret; fix its permissions (the user rotor runs as must read it)',
    })
  } finally {
    stream.destroy()
  }
  return {secrets: names, stores}
}
