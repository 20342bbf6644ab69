import {spawn} from 'node:child_process'
import {randomUUID} from 'node:crypto'
import {access, mkdir, stat, writeFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {LockedError} from '../../../src/errors/index.js'
import {AuditLog, verifyAuditLog} from '../../../src/audit/index.js'
import {makeTempDir, readLines, transpileClosure} from './helpers.js'

let dir: string
let cleanup: () => Promise<void>
let path: string

beforeEach(async () => {
  ;({dir, cleanup} = await makeTempDir())
  path = join(dir, 'audit.log')
})
afterEach(async () => {
  await cleanup()
})

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )

function run(cmd: string, args: string[]): Promise<{code: number | null; pid: number; stderr: string}> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({code, pid: child.pid as number, stderr}))
  })
}

async function writeLock(info: {pid: number; time: string}) {
  await writeFile(`${path}.lock`, JSON.stringify({host: hostname(), token: randomUUID(), ...info}))
}

async function expectConsecutive(n: number) {
  const seqs = (await readLines(path)).map((l) => JSON.parse(l).seq)
  expect(seqs).toEqual(Array.from({length: n}, (_, i) => i + 1))
  expect(await verifyAuditLog(path)).toMatchObject({ok: true, entries: n, problems: []})
}

describe('audit log concurrency', () => {
  it('removes its lock file after each append', async () => {
    const log = await AuditLog.open(path)
    await log.append({secret: 's', action: 'create', outcome: 'ok'})
    expect(await exists(`${path}.lock`)).toBe(false)
    await log.close()
  })

  it('two instances appending concurrently in one process keep one valid chain', async () => {
    const a = await AuditLog.open(path, {runId: 'a'})
    const b = await AuditLog.open(path, {runId: 'b'})
    const appends = Array.from({length: 50}, (_, i) => [
      a.append({secret: 'sa', action: 'sync', reason: `a${i}`, outcome: 'ok'}),
      b.append({secret: 'sb', action: 'sync', reason: `b${i}`, outcome: 'ok'}),
    ]).flat()
    await Promise.all(appends)
    await Promise.all([a.close(), b.close()])
    await expectConsecutive(100)
    const entries = (await readLines(path)).map((l) => JSON.parse(l))
    expect(entries.filter((e) => e.runId === 'a')).toHaveLength(50)
    expect(entries.filter((e) => e.runId === 'b')).toHaveLength(50)
  })

  it('separate processes appending concurrently keep one valid chain', async () => {
    const out = join(dir, 'build')
    await mkdir(out)
    const mod = await transpileClosure('src/audit/index.ts', out)
    const script = join(out, 'writer.mjs')
    await writeFile(
      script,
      `import {AuditLog} from ${JSON.stringify(mod)}\n` +
        'const [path, n, id] = process.argv.slice(2)\n' +
        'const log = await AuditLog.open(path, {runId: id, lockTimeoutMs: 30000})\n' +
        'await Promise.all(Array.from({length: Number(n)}, (_, i) =>\n' +
        "  log.append({secret: 's-' + id, action: 'sync', reason: String(i), outcome: 'ok'})))\n" +
        'await log.close()\n',
    )
    const results = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((id) => run(process.execPath, [script, path, '40', id])))
    for (const r of results) expect(r, r.stderr).toMatchObject({code: 0})
    await expectConsecutive(160)
    const pids = new Set((await readLines(path)).map((l) => JSON.parse(l).pid))
    expect(pids.size).toBe(4)
  })

  it('breaks a lock left by a dead process', async () => {
    const dead = await run(process.execPath, ['-e', ''])
    const log = await AuditLog.open(path, {lockTimeoutMs: 2000})
    await writeLock({pid: dead.pid, time: new Date().toISOString()})
    await log.append({secret: 's', action: 'create', outcome: 'ok'})
    expect(await exists(`${path}.lock`)).toBe(false)
    await log.close()
    await expectConsecutive(1)
  })

  it('waits for a live lock and fails with LockedError after the timeout, writing nothing', async () => {
    const log = await AuditLog.open(path, {lockTimeoutMs: 300})
    await writeLock({pid: process.pid, time: new Date().toISOString()})
    const started = Date.now()
    const err = await log.append({secret: 's', action: 'create', outcome: 'ok'}).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(LockedError)
    expect((err as LockedError).message).toContain(`audit log ${path}`)
    expect((err as LockedError).hint).toContain(`${path}.lock`)
    expect(Date.now() - started).toBeGreaterThanOrEqual(250)
    expect((await stat(path)).size).toBe(0)
    expect(await exists(`${path}.lock`)).toBe(true)
    await log.close()
  })
})
