/**
 * The layouts of a v2 store's `secrets` table (see SCHEMA in db.ts) and the statements that depend
 * on it: shared by StoreDb and the read-ahead worker, which must not load db.ts.
 */
import type BetterSqlite3 from 'better-sqlite3'

type Database = BetterSqlite3.Database

/** The column a scan pages `secrets` by: its rowid `n`, or `id` in a store of the first layout. */
export type ScanCursor = 'n' | 'id'

/** Which layout a store's `secrets` table has (see SCHEMA). */
export function cursorOf(db: Database): ScanCursor {
  const sql = db.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'secrets'").pluck().get() as string | undefined
  return sql !== undefined && /\bn\s+INTEGER\s+PRIMARY\s+KEY\b/i.test(sql) ? 'n' : 'id'
}

/** A scan's first page and the next ones, rows as [id, body, cursor]; by rowid when there is one (a walk along the table). */
export const scanStatements = (db: Database, cursor: ScanCursor) => ({
  first: db.prepare(`SELECT id, body, ${cursor} FROM secrets ORDER BY ${cursor} LIMIT ?`).raw(),
  next: db.prepare(`SELECT id, body, ${cursor} FROM secrets WHERE ${cursor} > ? ORDER BY ${cursor} LIMIT ?`).raw(),
})
