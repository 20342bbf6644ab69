import {readFileSync} from 'node:fs'
import {open} from 'node:fs/promises'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'
import {AuditLog, verifyAuditLog} from '../../../src/audit/index.js'
import {isAuditError} from '../../../src/audit/errors.js'
import {makeTempDir} from './helpers.js'

let dir: string
let cleanup: () => Promise<void>
let path: string

beforeEach(async () => {
  ;({dir, cleanup} = await makeTempDir())
  path = join(dir, 'audit.log')
})
afterEach(async () => {
  vi.restoreAllMocks()
  await cleanup()
})

/** The prototype of fs/promises' FileHandle, whose datasync the log calls once per write. */
async function fileHandlePrototype(): Promise<{datasync: () => Promise<void>}> {
  const fh = await open(join(dir, 'probe'), 'w')
  await fh.close()
  return Object.getPrototypeOf(fh) as {datasync: () => Promise<void>}
}

describe('audit log group commit', () => {
  it('shares one sync among appends made together, each answered only once its own entry is on disk', async () => {
    const log = await AuditLog.open(path)
    const syncs = vi.spyOn(await fileHandlePrototype(), 'datasync')
    const n = 100
    const onDisk: boolean[] = []
    const entries = await Promise.all(
      Array.from({length: n}, (_, i) =>
        log.append({secret: `s${i}`, action: 'write', outcome: 'intent'}).then((entry) => {
          // When the promise resolves, a sync has run and the file holds this entry.
          onDisk[i] = syncs.mock.calls.length > 0 && readFileSync(path, 'utf8').includes(`"seq":${entry.seq},`)
          return entry
        }),
      ),
    )
    await log.close()
    expect(onDisk.every(Boolean)).toBe(true)
    expect(entries.map((e) => e.secret)).toEqual(Array.from({length: n}, (_, i) => `s${i}`))
    expect(entries.map((e) => e.seq)).toEqual(Array.from({length: n}, (_, i) => i + 1))
    // One sync per entry before group commit: 100.
    expect(syncs.mock.calls.length).toBeLessThanOrEqual(2)
    expect(await verifyAuditLog(path)).toMatchObject({ok: true, entries: n, problems: []})
  })

  it('fails every append of a batch whose sync fails, and goes on with the next batch', async () => {
    const log = await AuditLog.open(path)
    const proto = await fileHandlePrototype()
    const real = proto.datasync
    let release!: () => void
    const gate = new Promise<void>((resolve) => (release = resolve))
    let calls = 0
    vi.spyOn(proto, 'datasync').mockImplementation(async function (this: unknown) {
      calls += 1
      // The first batch waits, so that the next five appends queue up as one batch.
      if (calls === 1) await gate
      if (calls === 2) throw Object.assign(new Error('I/O error'), {code: 'EIO'})
      return real.call(this)
    })
    const first = log.append({secret: 'first', action: 'write', outcome: 'ok'})
    const batch = Promise.allSettled(Array.from({length: 5}, (_, i) => log.append({secret: `s${i}`, action: 'write', outcome: 'intent'})))
    release()
    expect((await first).seq).toBe(1)
    const settled = await batch
    expect(settled.every((r) => r.status === 'rejected' && isAuditError(r.reason) && /EIO/.test((r.reason as Error).message))).toBe(true)
    expect(calls).toBe(2)
    const after = await log.append({secret: 'later', action: 'write', outcome: 'ok'})
    expect(after.secret).toBe('later')
    await log.close()
  })
})
