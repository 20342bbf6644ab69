import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import type {FileStoreClient} from '../../../providers/file/client.js'
import {StoreDb} from '../../../providers/file/db.js'
import {fileFactory} from '../../../providers/file/factory.js'
import {SecretValue} from '../../../providers/types.js'
import {isConflict} from '../../../src/errors/index.js'

let dir: string
let client: FileStoreClient

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-file-group-'))
  const settings = fileFactory.settings.parse({})
  client = (await fileFactory.create('local', settings, {baseDir: dir, env: {ROTOR_HOME: join(dir, 'home')}, now: () => new Date()})) as FileStoreClient
})
afterEach(async () => {
  vi.restoreAllMocks()
  await client.close()
  await rm(dir, {recursive: true, force: true})
})

const write = (path: string) => client.writeVersion(path, new SecretValue(`value-of-${path}-0123456789`), {rotationId: `rot-${path}`, stage: 'current'})

describe('file store group commit', () => {
  it('commits writes made together in one transaction; one that fails is undone alone', async () => {
    await write('first') // creates the store
    const generation = (await client.header())!.generation
    const transactions = vi.spyOn(StoreDb.prototype, 'transaction')
    const paths = Array.from({length: 20}, (_, i) => `app/s${i}`)
    const outcomes = await Promise.allSettled([
      ...paths.map((p) => write(p)),
      // Expects a current version that is not there: a conflict, in the middle of the batch.
      client.writeVersion('first', new SecretValue('another-value-0123456789'), {rotationId: 'rot-other', stage: 'current', expectedCurrent: 'no-such-version'}),
      client.setMeta('app/s3', {note: 'after the write of s3, in the same batch'}),
    ])
    const writes = transactions.mock.calls.filter(([isWrite]) => isWrite)
    expect(writes.length).toBe(1)
    expect(outcomes.slice(0, 20).every((o) => o.status === 'fulfilled')).toBe(true)
    const conflict = outcomes[20]
    expect(conflict.status).toBe('rejected')
    expect(isConflict((conflict as PromiseRejectedResult).reason)).toBe(true)
    expect(outcomes[21].status).toBe('fulfilled')
    // One step of the generation per write that changed something.
    expect((await client.header())!.generation).toBe(generation + 21)
    for (const p of paths) expect((await client.readValue(p, {role: 'current'})).reveal()).toBe(`value-of-${p}-0123456789`)
    expect((await client.describe('app/s3')).meta.note).toBe('after the write of s3, in the same batch')
    // The failed write left nothing: `first` still has its one version.
    expect((await client.describe('first')).versions).toHaveLength(1)
  })

  it('answers a write only after its commit: what it returned is there for a new connection', async () => {
    await Promise.all(Array.from({length: 10}, (_, i) => write(`app/t${i}`)))
    const settings = fileFactory.settings.parse({})
    const other = (await fileFactory.create('local', settings, {baseDir: dir, env: {ROTOR_HOME: join(dir, 'home')}, now: () => new Date()})) as FileStoreClient
    try {
      const seen = await other.describeMany(Array.from({length: 10}, (_, i) => `app/t${i}`))
      expect([...seen.values()].every((s) => !(s instanceof Error) && s.exists && s.versions.length === 1)).toBe(true)
    } finally {
      await other.close()
    }
  })
})
