/**
 * The file store's bulk describe (capabilities.bulkDescribe): one read transaction for all the
 * paths, rows fetched by keyed row id in batches, no value opened, and every path answered exactly
 * as its own describe would (missing, foreign, a row that does not authenticate); a store older
 * than the generation last seen is refused as a describe refuses it.
 */
import {copyFile, mkdtemp, rm} from 'node:fs/promises'
import {createHmac} from 'node:crypto'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import Database from 'better-sqlite3'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {describePaths} from '../../../providers/describe-many.js'
import type {FileStoreClient} from '../../../providers/file/client.js'
import {StoreDb} from '../../../providers/file/db.js'
import {sealBlob} from '../../../providers/file/crypto.js'
import {StoreRollbackError} from '../../../providers/file/errors.js'
import {fileFactory} from '../../../providers/file/factory.js'
import {describesInBulk, SecretValue} from '../../../providers/types.js'
import {secretsTableSql, toFirstLayout} from '../../support/file-store-layout.js'

let dir: string
const clients: FileStoreClient[] = []

const KEY = Buffer.alloc(32, 9)

async function open(): Promise<FileStoreClient> {
  const settings = fileFactory.settings.parse({})
  const client = (await fileFactory.create('local', settings, {baseDir: dir, env: {ROTOR_HOME: join(dir, 'home'), ROTOR_FILE_KEY: KEY.toString('base64')}, now: () => new Date()})) as FileStoreClient
  clients.push(client)
  return client
}

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-file-bulk-'))
})
afterEach(async () => {
  vi.restoreAllMocks()
  for (const client of clients.splice(0)) await client.close()
  await rm(dir, {recursive: true, force: true})
})

const write = (client: FileStoreClient, path: string, rotationId = `rot-${path}`) =>
  client.writeVersion(path, new SecretValue(`value-of-${path}-0123456789`), {rotationId, stage: 'current'})

/** A store with `count` secrets app/s0, app/s1, ... */
async function storeOf(count: number): Promise<{client: FileStoreClient; stored: string[]}> {
  const client = await open()
  const stored = Array.from({length: count}, (_, i) => `app/s${i}`)
  await Promise.all(stored.map((p) => write(client, p)))
  return {client, stored}
}

const spyOnScans = () => vi.spyOn(StoreDb.prototype as unknown as {scanSecrets: () => void}, 'scanSecrets')

/** The bulk answer, in the order of `paths`, is each path's own describe. */
async function expectAsEachDescribe(client: FileStoreClient, paths: string[], many: Map<string, unknown>): Promise<void> {
  expect([...many.keys()]).toEqual(paths)
  for (const p of paths) expect(many.get(p), p).toEqual(await client.describe(p))
}

describe('file store bulk describe', () => {
  it('answers 1,200 paths (a scan of two pages of rows) in one read transaction, opening no value, each as its own describe', async () => {
    const client = await open()
    expect(describesInBulk(client)).toBe(true)
    const stored = Array.from({length: 1100}, (_, i) => `app/s${i}`)
    await Promise.all(stored.map((p) => write(client, p)))
    // Some with more versions, meta, a staged version, a foreign secret.
    const current = (await client.describe('app/s7')).versions[0].id
    await client.writeVersion('app/s7', new SecretValue('staged-value-0123456789'), {rotationId: 'rot-staged', stage: 'pending', expectedCurrent: current})
    await client.setMeta('app/s8', {promotedVersion: 'x', promotedAt: '2026-01-02T03:04:05.000Z'})
    await client.putForeign('theirs/one', 'foreign-value-0123456789')
    const missing = Array.from({length: 100}, (_, i) => `app/missing${i}`)
    const paths = [...stored, ...missing, 'theirs/one', 'app/s7', 'app/s8']

    const transactions = vi.spyOn(StoreDb.prototype, 'transaction')
    // More rows than half the paths: one scan of the table, two pages of rows (SCAN_PAGE).
    const scans = spyOnScans()
    const values = vi.spyOn(StoreDb.prototype, 'getValue')
    const many = await client.describeMany(paths)
    expect(transactions.mock.calls.map(([isWrite]) => isWrite)).toEqual([false])
    expect(values).not.toHaveBeenCalled()
    expect(scans).toHaveBeenCalledTimes(1)
    vi.restoreAllMocks()

    expect([...many.keys()]).toEqual([...new Set(paths)])
    for (const p of new Set(paths)) expect(many.get(p), p).toEqual(await client.describe(p))
    expect(many.get('app/missing3')).toMatchObject({exists: false})
    expect(many.get('theirs/one')).toMatchObject({exists: true, owned: false})
    expect(many.get('app/s7')).toMatchObject({versions: [{role: 'pending'}, {role: 'current'}]})
    expect(many.get('app/s8')).toMatchObject({meta: {promotedVersion: 'x'}})
    // Through describePaths (what plan, status and apply use): the same answers.
    expect(await describePaths(client, paths)).toEqual(many)
    // 520 paths of the 1,101 rows: looked up by keyed id, in two batches (SECRETS_PER_SELECT), the same answers.
    const some = [...stored.slice(0, 510), ...missing.slice(0, 10)]
    const scans2 = spyOnScans()
    const looked = await client.describeMany(some)
    expect(scans2).not.toHaveBeenCalled()
    expect([...looked]).toEqual(some.map((p) => [p, many.get(p)]))
  })

  it('a row that does not authenticate fails its own path only, with the error its describe throws', async () => {
    const client = await open()
    for (const p of ['app/a', 'app/b', 'app/c']) await write(client, p)
    await client.close()
    // One row gets another row's sealed body: authentic data, in the wrong row.
    const raw = new Database(join(dir, '.rotor/secrets.enc'))
    const rows = raw.prepare('SELECT id, body FROM secrets').all() as Array<{id: Buffer; body: Buffer}>
    expect(rows).toHaveLength(3)
    raw.prepare('UPDATE secrets SET body = ? WHERE id = ?').run(rows[0].body, rows[1].id)
    raw.close()

    const reader = await open()
    const paths = ['app/a', 'app/b', 'app/c', 'app/none']
    const many = await reader.describeMany(paths)
    const alone = new Map(await Promise.all(paths.map(async (p) => [p, await reader.describe(p).catch((error: unknown) => error as Error)] as const)))
    const failed = paths.filter((p) => alone.get(p) instanceof Error)
    expect(failed).toHaveLength(1)
    for (const p of paths) {
      if (p === failed[0]) {
        expect(many.get(p)).toBeInstanceOf(Error)
        expect((many.get(p) as Error).message).toBe((alone.get(p) as Error).message)
      } else {
        expect(many.get(p), p).toEqual(alone.get(p))
      }
    }
    expect(many.get('app/none')).toMatchObject({exists: false})
  })

  it('refuses a store older than the generation last seen, as describe does', async () => {
    const first = await open()
    await write(first, 'app/a')
    await first.close()
    await copyFile(join(dir, '.rotor/secrets.enc'), join(dir, 'backup.db'))
    const second = await open()
    await write(second, 'app/b')
    await second.close()
    await copyFile(join(dir, 'backup.db'), join(dir, '.rotor/secrets.enc'))

    const third = await open()
    await expect(third.describeMany(['app/a', 'app/b'])).rejects.toBeInstanceOf(StoreRollbackError)
    await expect(third.describe('app/a')).rejects.toBeInstanceOf(StoreRollbackError)
  })

  it('answers every path of a store that does not exist yet as missing, creating nothing', async () => {
    const client = await open()
    const many = await client.describeMany(['app/a', 'app/a', 'app/b'])
    expect([...many.keys()]).toEqual(['app/a', 'app/b'])
    for (const p of ['app/a', 'app/b']) expect(many.get(p)).toEqual(await client.describe(p))
    expect(await client.header()).toBeUndefined()
  })

  it('a fleet-wide read scans the table once, computing a keyed hash only for the path it did not find, and answers as each describe', async () => {
    const {client, stored} = await storeOf(150)
    const paths = [...stored.slice(20), 'app/missing']
    const hashes = vi.spyOn(StoreDb.prototype, 'rowId')
    const scans = spyOnScans()
    const many = await client.describeMany(paths)
    expect(scans).toHaveBeenCalledTimes(1)
    // app/missing is looked up by its keyed id (a row there that does not open is its error).
    expect(hashes).toHaveBeenCalledTimes(1)
    vi.restoreAllMocks()
    await expectAsEachDescribe(client, paths, many)
  })

  it('a read of a small part of a big store looks rows up by keyed id, and answers as each describe', async () => {
    const {client, stored} = await storeOf(600)
    // 250 paths: the store holds more than twice as many rows.
    const paths = [...stored.filter((_, i) => i % 3 === 0).slice(0, 240), ...Array.from({length: 10}, (_, i) => `app/missing${i}`)]
    const scans = spyOnScans()
    const many = await client.describeMany(paths)
    expect(scans).not.toHaveBeenCalled()
    vi.restoreAllMocks()
    await expectAsEachDescribe(client, paths, many)
  })

  it('in a scan, a row that does not authenticate fails its own path only, with the error its describe throws', async () => {
    const {client, stored} = await storeOf(80)
    await client.close()
    const raw = new Database(join(dir, '.rotor/secrets.enc'))
    const rows = raw.prepare('SELECT id, body FROM secrets').all() as Array<{id: Buffer; body: Buffer}>
    raw.prepare('UPDATE secrets SET body = ? WHERE id = ?').run(rows[0].body, rows[1].id)
    raw.close()

    const reader = await open()
    const paths = [...stored, 'app/none']
    const scans = spyOnScans()
    const many = await reader.describeMany(paths)
    expect(scans).toHaveBeenCalledTimes(1)
    vi.restoreAllMocks()
    const alone = new Map(await Promise.all(paths.map(async (p) => [p, await reader.describe(p).catch((error: unknown) => error as Error)] as const)))
    const failed = paths.filter((p) => alone.get(p) instanceof Error)
    expect(failed).toHaveLength(1)
    expect((many.get(failed[0]) as Error).message).toBe((alone.get(failed[0]) as Error).message)
    for (const p of paths.filter((q) => q !== failed[0])) expect(many.get(p), p).toEqual(alone.get(p))
    expect(many.get('app/none')).toMatchObject({exists: false})
  })

  it('in a scan, a path named by a record in another row gets the record of its own row, as a lookup finds it', async () => {
    const {client, stored} = await storeOf(80)
    const genuine = await client.describe('app/s5')
    await client.close()
    // A record naming app/s5, sealed (with the key) for the row of app/s6: authentic where it is.
    const db = (await StoreDb.open(join(dir, '.rotor/secrets.enc')))!
    const keys = db.keysFor(KEY)
    const row = db.rowId(keys, 'app/s6')
    const forged = {path: 'app/s5', labels: {'managed-by': 'rotor'}, meta: {}, nextVersion: 9, versions: [{id: '8', createdAt: new Date().toISOString(), role: 'current', enabled: true, destroyed: false}]}
    const aad = Buffer.concat([Buffer.from('rotor-store-v2\u0000secret\u0000'), db.storeId, Buffer.from([0]), row])
    db.close()
    const raw = new Database(join(dir, '.rotor/secrets.enc'))
    raw.prepare('UPDATE secrets SET body = ? WHERE id = ?').run(sealBlob(Buffer.from(JSON.stringify(forged)), keys.seal, aad), row)
    raw.close()
    expect(createHmac('sha256', keys.index).update('app/s6').digest()).toEqual(row)

    const reader = await open()
    const many = await reader.describeMany(stored)
    expect(many.get('app/s5')).toEqual(genuine)
    expect(many.get('app/s6')).toEqual(await reader.describe('app/s6').catch((error: unknown) => error as Error))
  })

  it('keeps secrets in a rowid table (the keyed id in a unique index) and scans it by rowid, page after page', async () => {
    const {client, stored} = await storeOf(1100)
    await client.close()
    const sql = secretsTableSql(join(dir, '.rotor/secrets.enc'))
    expect(sql).toMatch(/\bn INTEGER PRIMARY KEY\b/)
    expect(sql).toMatch(/\bid BLOB NOT NULL UNIQUE\b/)
    expect(sql).not.toMatch(/WITHOUT ROWID/)

    const reader = await open()
    // Every page of the scan after the first starts after the last rowid of the one before.
    const pages = vi.spyOn(Database.prototype, 'prepare')
    const many = await reader.describeMany(stored)
    expect(pages.mock.calls.map(([text]) => text).filter((text) => /FROM secrets WHERE/.test(text) && /ORDER BY/.test(text))).toEqual([
      'SELECT id, body, n FROM secrets WHERE n > ? ORDER BY n LIMIT ?',
    ])
    vi.restoreAllMocks()
    await expectAsEachDescribe(reader, stored, many)
  })

  it('a store of the first layout (secrets WITHOUT ROWID) is read, scanned and written as before', async () => {
    const {client, stored} = await storeOf(1100)
    const before = await client.describeMany(stored)
    await client.close()
    toFirstLayout(join(dir, '.rotor/secrets.enc'))
    expect(secretsTableSql(join(dir, '.rotor/secrets.enc'))).toMatch(/WITHOUT ROWID/)

    const reader = await open()
    // A scan of two pages (by id here) and lookups by keyed id: the same answers as before.
    const scans = spyOnScans()
    const many = await reader.describeMany(stored)
    expect(scans).toHaveBeenCalledTimes(1)
    expect(many).toEqual(before)
    await expectAsEachDescribe(reader, stored.slice(0, 70), await reader.describeMany(stored.slice(0, 70)))
    // Writes: a new secret and a new version of an old one.
    await write(reader, 'app/new')
    const current = (await reader.describe('app/s3')).versions[0].id
    await reader.writeVersion('app/s3', new SecretValue('second-value-0123456789'), {rotationId: 'rot-2', stage: 'current', expectedCurrent: current})
    expect((await reader.readValue('app/s3', {role: 'current'})).reveal()).toBe('second-value-0123456789')
    expect((await reader.readValue('app/new', {role: 'current'})).reveal()).toBe('value-of-app/new-0123456789')
    expect(secretsTableSql(join(dir, '.rotor/secrets.enc'))).toMatch(/WITHOUT ROWID/)
  })
})
