/**
 * The file store's read-ahead worker as the build ships it (scripts/build.js): the bundled client
 * looks for `./scan-worker.js` next to its own chunk, the worker is there, and it reads and opens
 * a store's records. A build that put it elsewhere would silently read on the main thread (as
 * slow as before), so this checks the layout, not a timing. Needs `npm run build`.
 */
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterEach, describe, expect, it} from 'vitest'
import {StoreDb} from '../../providers/file/db.js'
import {SecretValue} from '../../providers/types.js'
import {fileFactory} from '../../providers/file/factory.js'
import type {FileStoreClient} from '../../providers/file/client.js'
import {ROOT} from '../support/cli.js'

const CHUNKS = join(ROOT, 'dist/cli/chunks')
const KEY = Buffer.alloc(32, 3)
const fromSources = StoreDb.scanWorker
let dir: string | undefined

afterEach(async () => {
  StoreDb.scanWorker = fromSources
  if (dir) await rm(dir, {recursive: true, force: true})
})

describe('file store read-ahead in the bundle', () => {
  it('the chunk that starts the worker has it next to it, and the bundled worker opens every record', async () => {
    const starters = readdirSync(CHUNKS).filter((name) => name.endsWith('.js') && readFileSync(join(CHUNKS, name), 'utf8').includes('./scan-worker.js'))
    expect(starters.length).toBeGreaterThan(0)
    expect(existsSync(join(CHUNKS, 'scan-worker.js'))).toBe(true)

    dir = await mkdtemp(join(tmpdir(), 'rotor-ahead-bundle-'))
    const settings = fileFactory.settings.parse({})
    const client = (await fileFactory.create('local', settings, {baseDir: dir, env: {ROTOR_HOME: join(dir, 'home'), ROTOR_FILE_KEY: KEY.toString('base64')}, now: () => new Date()})) as FileStoreClient
    const paths = Array.from({length: 30}, (_, i) => `app/s${i}`)
    await Promise.all(paths.map((p) => client.writeVersion(p, new SecretValue(`value-of-${p}-0123456789`), {rotationId: `rot-${p}`, stage: 'current'})))
    await client.close()

    StoreDb.scanWorker = pathToFileURL(join(CHUNKS, 'scan-worker.js'))
    const db = (await StoreDb.open(join(dir, '.rotor/secrets.enc')))!
    try {
      const ahead = await db.readAhead(db.keysFor(KEY), paths.length)
      expect(ahead?.rows).toBe(paths.length)
      expect(ahead?.records.map((r) => r.path).sort()).toEqual([...paths].sort())
      expect(ahead?.records[0].versions[0]).toMatchObject({role: 'current', enabled: true})
    } finally {
      db.close()
    }
  }, 60_000)
})
