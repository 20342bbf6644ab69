/**
 * The file store's `secrets` table in the first v2 layout (`id BLOB PRIMARY KEY ... WITHOUT
 * ROWID`), as stores made before the rowid layout have it: same rows, same bytes.
 */
import Database from 'better-sqlite3'

export function toFirstLayout(file: string): void {
  const raw = new Database(file)
  try {
    raw.exec(`BEGIN IMMEDIATE;
      CREATE TABLE secrets_first (id BLOB PRIMARY KEY, body BLOB NOT NULL) WITHOUT ROWID;
      INSERT INTO secrets_first (id, body) SELECT id, body FROM secrets;
      DROP TABLE secrets;
      ALTER TABLE secrets_first RENAME TO secrets;
      COMMIT`)
  } finally {
    raw.close()
  }
}

/** The SQL that made the store's `secrets` table. */
export function secretsTableSql(file: string): string {
  const raw = new Database(file, {readonly: true})
  try {
    return raw.prepare("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'secrets'").pluck().get() as string
  } finally {
    raw.close()
  }
}
