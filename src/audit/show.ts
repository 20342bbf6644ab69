/** `rotor audit show`: the entries of a log, filtered, and a table of them. */
import {renderTable} from '../output/table.js'
import {readLog} from './read.js'
import type {AuditEntry, AuditVersionIds} from './types.js'

export interface ShowFilter {
  secret?: string
  since?: Date
}

/** Entries of the log at `path` matching `filter`, in order; lines that are not entries are counted. */
export async function listEntries(path: string, filter: ShowFilter = {}): Promise<{entries: AuditEntry[]; unreadableLines: number}> {
  const entries: AuditEntry[] = []
  let unreadableLines = 0
  for await (const {entry} of readLog(path)) {
    if (!entry) {
      unreadableLines++
      continue
    }
    if (filter.secret !== undefined && entry.secret !== filter.secret) continue
    if (filter.since && Date.parse(entry.time) < filter.since.getTime()) continue
    entries.push(entry)
  }
  return {entries, unreadableLines}
}

const versions = (v: AuditVersionIds | undefined): string => (v === undefined ? '' : Array.isArray(v) ? v.join(',') : `${v.from ?? ''}->${v.to ?? ''}`)

export function renderEntries(entries: AuditEntry[]): string {
  const rows = entries.map((e) => [
    String(e.seq),
    e.time,
    e.secret,
    e.action,
    e.target ?? '',
    e.outcome + (e.intent ? ` (#${e.intent})` : ''),
    e.rotationId ?? '',
    versions(e.versionIds),
    e.error ?? e.reason ?? '',
  ])
  return renderTable(['SEQ', 'TIME', 'SECRET', 'ACTION', 'TARGET', 'OUTCOME', 'ROTATION', 'VERSIONS', 'REASON / ERROR'], rows)
}
