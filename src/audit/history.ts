/**
 * Which secrets the audit log shows a history for, read loosely: the log's format is the audit
 * writer's business, so this takes any line that parses as JSON with a `secret` string and the
 * outcome `ok` (a change that happened; an `intent` alone may never have reached a store, and a
 * run interrupted before its first write must not make a new secret look lost), and skips the rest (a torn last line, a future entry kind). The
 * process's one index of the log answers (src/audit/read.ts, LogIndex): the planner, the file
 * store's check and the engine share one streaming pass. Read-only: it never changes or verifies the log.
 */
import {RotorError} from '../errors/index.js'
import {sharedLogIndex} from './read.js'

export interface AuditHistory {
  /** Secret names with at least one entry. */
  secrets: Set<string>
  /** Store names that entries name as the store of their target (`store:path`). */
  stores: Set<string>
}

/** `hashes`: the run will check anchors too; the same pass then keeps each entry's hash. */
export async function readHistory(path: string, options: {hashes?: boolean} = {}): Promise<Set<string>> {
  return (await readAuditHistory(path, options)).secrets
}

export async function readAuditHistory(path: string, options: {hashes?: boolean} = {}): Promise<AuditHistory> {
  try {
    const index = sharedLogIndex(path)
    if (options.hashes) await index.refresh({hashes: true})
    return await index.history()
  } catch (error) {
    throw new RotorError(`cannot read the audit log ${path}: ${(error as Error).message}`, {
      ref: path,
      hint: 'rotor reads it to tell a lost primary from a new secret; fix its permissions (the user rotor runs as must read it)',
    })
  }
}
