/**
 * The file store's read-ahead (StoreDb.readAhead, providers/file/scan-worker.ts): a fleet read has
 * its rows read and opened in a worker thread. Every path must get exactly what the read on the
 * calling thread gives it (a row that does not authenticate included), and a read-ahead of
 * another state of the store (a write in between) must not be used.
 */
import {createRequire} from 'node:module'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import Database from 'better-sqlite3'
import {build} from 'esbuild'
import {afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi} from 'vitest'
import type {FileStoreClient} from '../../../providers/file/client.js'
import {type SecretRecord, StoreDb} from '../../../providers/file/db.js'
import {fileFactory} from '../../../providers/file/factory.js'
import {SecretValue} from '../../../providers/types.js'
import {toFirstLayout} from '../../support/file-store-layout.js'

const KEY = Buffer.alloc(32, 5)
/** Over the read-ahead threshold the tests set, and over two pages of rows (SCAN_PAGE). */
const SIZE = 2100
const fromThreshold = StoreDb.readAheadFrom
let dir: string
let bundleDir: string
const clients: FileStoreClient[] = []
const fromSources = StoreDb.scanWorker

// The worker as the build makes it, from the sources (a worker thread cannot load TypeScript).
beforeAll(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), 'rotor-scan-worker-'))
  const sqlite = createRequire(import.meta.url).resolve('better-sqlite3')
  await build({
    entryPoints: [join(import.meta.dirname, '../../../providers/file/scan-worker.ts')],
    outfile: join(bundleDir, 'scan-worker.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    logLevel: 'warning',
    plugins: [{name: 'sqlite', setup: (b) => b.onResolve({filter: /^better-sqlite3$/}, () => ({path: sqlite, external: true}))}],
  })
}, 60_000)
afterAll(async () => {
  await rm(bundleDir, {recursive: true, force: true})
})

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-file-ahead-'))
  StoreDb.scanWorker = pathToFileURL(join(bundleDir, 'scan-worker.mjs'))
  StoreDb.readAheadFrom = 2000
})
afterEach(async () => {
  vi.restoreAllMocks()
  StoreDb.scanWorker = fromSources
  StoreDb.readAheadFrom = fromThreshold
  for (const client of clients.splice(0)) await client.close()
  await rm(dir, {recursive: true, force: true})
})

async function open(): Promise<FileStoreClient> {
  const settings = fileFactory.settings.parse({})
  const client = (await fileFactory.create('local', settings, {baseDir: dir, env: {ROTOR_HOME: join(dir, 'home'), ROTOR_FILE_KEY: KEY.toString('base64')}, now: () => new Date()})) as FileStoreClient
  clients.push(client)
  return client
}

async function storeOf(count: number): Promise<{client: FileStoreClient; stored: string[]}> {
  const client = await open()
  const stored = Array.from({length: count}, (_, i) => `app/s${i}`)
  await Promise.all(stored.map((p) => client.writeVersion(p, new SecretValue(`value-of-${p}-0123456789`), {rotationId: `rot-${p}`, stage: 'current'})))
  return {client, stored}
}

const file = () => join(dir, '.rotor/secrets.enc')

describe('file store read-ahead in a worker thread', () => {
  it('answers a fleet read from the worker, as the read on the calling thread does (a row that does not authenticate, a missing path, meta and labels included)', async () => {
    const {client, stored} = await storeOf(SIZE)
    await client.setMeta('app/s8', {promotedVersion: '1', promotedAt: '2026-01-02T03:04:05.000Z'})
    const current = (await client.describe('app/s7')).versions[0].id
    await client.writeVersion('app/s7', new SecretValue('staged-value-0123456789'), {rotationId: 'rot-staged', stage: 'pending', expectedCurrent: current})
    await client.close()
    const raw = new Database(file())
    const rows = raw.prepare('SELECT id, body FROM secrets').all() as Array<{id: Buffer; body: Buffer}>
    raw.prepare('UPDATE secrets SET body = ? WHERE id = ?').run(rows[0].body, rows[1].id)
    raw.close()
    const paths = [...stored, 'app/none', 'app/ünïcode']

    const ahead = vi.spyOn(StoreDb.prototype, 'readAhead')
    const opened = vi.spyOn(StoreDb.prototype as unknown as {openRecord: () => SecretRecord}, 'openRecord')
    const withWorker = await (await open()).describeMany(paths)
    expect(ahead).toHaveBeenCalledTimes(1)
    expect(await ahead.mock.results[0].value).toMatchObject({rows: SIZE})
    // Only the row that did not authenticate was opened on this thread (its lookup).
    expect(opened).toHaveBeenCalledTimes(1)

    StoreDb.scanWorker = fromSources
    vi.restoreAllMocks()
    const onThread = await (await open()).describeMany(paths)
    expect([...withWorker.keys()]).toEqual(paths)
    expect(withWorker).toEqual(onThread)
    const failed = paths.filter((p) => onThread.get(p) instanceof Error)
    expect(failed).toHaveLength(1)
    expect((withWorker.get(failed[0]) as Error).message).toBe((onThread.get(failed[0]) as Error).message)
    expect(withWorker.get('app/s8')).toMatchObject({meta: {promotedVersion: '1'}})
    expect(withWorker.get('app/none')).toMatchObject({exists: false})
  }, 60_000)

  it('does not use a read-ahead of another state of the store: a write in between is seen', async () => {
    const {client, stored} = await storeOf(SIZE)
    const db = (await StoreDb.open(file()))!
    try {
      const keys = db.keysFor(KEY)
      const ahead = await db.readAhead(keys, stored.length)
      expect(ahead?.records).toHaveLength(SIZE)
      const before = (await client.describe('app/s3')).versions[0].id
      await client.writeVersion('app/s3', new SecretValue('a-newer-value-0123456789'), {rotationId: 'rot-newer', stage: 'current', expectedCurrent: before})
      const read = new Map<string, SecretRecord | undefined | Error>()
      db.transaction(false, () => db.eachSecret(keys, stored, (path, record) => read.set(path, record), ahead))
      expect((read.get('app/s3') as SecretRecord).versions.map((v) => v.rotationId)).toEqual(['rot-app/s3', 'rot-newer'])
      expect((ahead!.records.find((r) => r.path === 'app/s3') as SecretRecord).versions).toHaveLength(1)
    } finally {
      db.close()
    }
  }, 60_000)

  it('is not used, and reads nothing past the limit, when the store holds many more rows than the paths asked for', async () => {
    const {client, stored} = await storeOf(SIZE)
    await client.close()
    const db = (await StoreDb.open(file()))!
    try {
      const keys = db.keysFor(KEY)
      const few = stored.slice(0, 1000)
      const ahead = await db.readAhead(keys, few.length)
      expect(ahead?.rows).toBe(2 * few.length + 1)
      const scans = vi.spyOn(StoreDb.prototype as unknown as {scanSecrets: () => void}, 'scanSecrets')
      const read = new Map<string, SecretRecord | undefined | Error>()
      db.transaction(false, () => db.eachSecret(keys, few, (path, record) => read.set(path, record), ahead))
      expect(scans).not.toHaveBeenCalled()
      expect([...read.keys()].sort()).toEqual([...few].sort())
      expect([...read.values()].every((r) => r !== undefined && !(r instanceof Error))).toBe(true)
    } finally {
      db.close()
    }
  }, 60_000)

  it('reads ahead in a store of the first layout (secrets WITHOUT ROWID, paged by id) as in one of the rowid layout', async () => {
    const {client, stored} = await storeOf(SIZE)
    const before = await client.describeMany(stored)
    await client.close()
    toFirstLayout(file())
    const ahead = vi.spyOn(StoreDb.prototype, 'readAhead')
    const withWorker = await (await open()).describeMany(stored)
    expect(await ahead.mock.results[0].value).toMatchObject({rows: SIZE})
    expect((await ahead.mock.results[0].value).records).toHaveLength(SIZE)
    expect(withWorker).toEqual(before)
  }, 60_000)
})
