import {createHash, createHmac} from 'node:crypto'
import {appendFile, mkdir, open, readFile, stat, writeFile} from 'node:fs/promises'
import {hostname, userInfo} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {
  AuditError,
  AuditLog,
  GENESIS_HASH,
  MAX_FIELD_LENGTH,
  TAIL_READ_BYTES,
  verifyAuditLog,
  type AuditInput,
} from '../../../src/audit/index.js'
import {makeTempDir, readLines} from './helpers.js'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const KEY = 'k'.repeat(40)
const hmac = (s: string) => createHmac('sha256', KEY).update(s).digest('hex')
const keyed = {env: {ROTOR_AUDIT_KEY: KEY}}

let dir: string
let cleanup: () => Promise<void>
let path: string

beforeEach(async () => {
  ;({dir, cleanup} = await makeTempDir())
  path = join(dir, '.rotor', 'audit.log')
})
afterEach(async () => {
  await cleanup()
})

const fixedNow = () => new Date('2025-01-02T03:04:05.678Z')

describe('AuditLog', () => {
  it('appends chained, deterministic JSON lines that verify', async () => {
    const log = await AuditLog.open(path, {user: 'alice', host: 'box', runId: 'run-1', now: fixedNow, ...keyed})
    const first = await log.append({
      secret: 'payments',
      target: 'aws:prod/payments',
      action: 'stage',
      versionIds: {to: 'v2', from: 'v1'},
      rotationId: 'rot-1',
      reason: 'schedule',
      outcome: 'ok',
    })
    await log.append({secret: 'payments', target: {store: 'vault', path: 'kv/payments'}, action: 'sync', outcome: 'ok'})
    await log.append({
      secret: 'payments',
      action: 'retire',
      versionIds: ['v0', 'v1'],
      outcome: 'failed',
      error: 'access denied',
    })
    await log.close()

    const lines = await readLines(path)
    expect(lines).toHaveLength(3)
    expect(lines[0]).toBe(
      `{"seq":1,"time":"2025-01-02T03:04:05.678Z","user":"alice","host":"box","pid":${process.pid},` +
        '"runId":"run-1","secret":"payments","target":"aws:prod/payments","action":"stage",' +
        '"versionIds":{"from":"v1","to":"v2"},"rotationId":"rot-1","reason":"schedule","outcome":"ok",' +
        `"prev":"${GENESIS_HASH}","mac":"hmac-sha256:${hmac(lines[0].replace(/,"mac":"[^"]+"/, ''))}"}`,
    )
    expect(first).toEqual(JSON.parse(lines[0]))
    const entries = lines.map((l) => JSON.parse(l))
    expect(entries.map((e) => e.seq)).toEqual([1, 2, 3])
    expect(entries[1].target).toBe('vault:kv/payments')
    expect(entries[1].prev).toBe(sha256(lines[0]))
    expect(entries[2].prev).toBe(sha256(lines[1]))
    expect(Object.keys(entries[2])).toEqual([
      'seq', 'time', 'user', 'host', 'pid', 'runId', 'secret', 'action', 'versionIds', 'outcome', 'error', 'prev', 'mac',
    ])
    expect(log.lastSeq).toBe(3)
    expect(log.head).toBe(sha256(lines[2]))

    const result = await verifyAuditLog(path, {key: Buffer.from(KEY)})
    expect(result).toEqual({ok: true, entries: 3, keyed: 3, lastSeq: 3, anchors: [], problems: [], head: sha256(lines[2])})
  })

  it('creates the directory 0700 and the file 0600', async () => {
    if (process.platform === 'win32') return
    const log = await AuditLog.open(path)
    await log.append({secret: 's', action: 'create', outcome: 'ok'})
    expect((await stat(path)).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, '.rotor'))).mode & 0o777).toBe(0o700)
    await log.close()
  })

  it('defaults user, host, time and runId', async () => {
    const log = await AuditLog.open(path)
    const before = Date.now()
    const e = await log.append({secret: 's', action: 'create', outcome: 'ok'})
    expect(e.user).toBe(userInfo().username)
    expect(e.host).toBe(hostname())
    expect(e.pid).toBe(process.pid)
    expect(e.runId).toMatch(/^[0-9a-f-]{36}$/)
    expect(Date.parse(e.time)).toBeGreaterThanOrEqual(before - 1000)
    await log.close()
  })

  it('continues the chain after reopening', async () => {
    const a = await AuditLog.open(path, {runId: 'a'})
    await a.append({secret: 's', action: 'create', outcome: 'ok'})
    await a.append({secret: 's', action: 'stage', outcome: 'ok'})
    await a.close()
    const b = await AuditLog.open(path, {runId: 'b'})
    expect(b.lastSeq).toBe(2)
    const e = await b.append({secret: 's', action: 'promote', outcome: 'ok'})
    expect(e.seq).toBe(3)
    await b.close()
    expect((await verifyAuditLog(path)).ok).toBe(true)
  })

  it('rejects fields that could carry a value, and over-long strings, without writing', async () => {
    const log = await AuditLog.open(path)
    await log.append({secret: 's', action: 'create', outcome: 'ok'})
    const before = await readFile(path, 'utf8')

    const withValue = {secret: 's', action: 'create', outcome: 'ok', value: 'sk_live_123'} as unknown as AuditInput
    await expect(log.append(withValue)).rejects.toThrow(/unexpected field "value"/)
    const nested = {secret: 's', action: 'x', outcome: 'ok', versionIds: {from: 'a', value: 'b'}} as unknown as AuditInput
    await expect(log.append(nested)).rejects.toThrow(AuditError)
    const long = 'x'.repeat(MAX_FIELD_LENGTH + 1)
    for (const input of [
      {secret: long, action: 'create', outcome: 'ok'},
      {secret: 's', action: 'create', outcome: 'failed', error: long},
      {secret: 's', action: 'create', outcome: 'ok', reason: long},
      {secret: 's', action: 'create', outcome: 'ok', versionIds: ['v1', long]},
      {secret: 's', action: 'create', outcome: 'ok', versionIds: {to: long}},
      {secret: 's', action: 'create', outcome: 'ok', target: {store: 'aws', path: long}},
    ] as AuditInput[]) {
      await expect(log.append(input)).rejects.toThrow(/limit 1024/)
    }
    await expect(log.append({secret: 's', action: 'create', outcome: 'maybe'} as unknown as AuditInput)).rejects.toThrow(
      /outcome/,
    )
    await expect(log.append({secret: '', action: 'create', outcome: 'ok'})).rejects.toThrow(/must not be empty/)
    await expect(log.append({secret: 1, action: 'create', outcome: 'ok'} as unknown as AuditInput)).rejects.toThrow(
      /must be a string/,
    )
    expect(await readFile(path, 'utf8')).toBe(before)

    // Exactly at the limit is fine, and the queue still works after the rejections.
    const ok = await log.append({secret: 'x'.repeat(MAX_FIELD_LENGTH), action: 'create', outcome: 'ok'})
    expect(ok.seq).toBe(2)
    await expect(AuditLog.open(path, {user: long})).rejects.toThrow(/limit 1024/)
    await log.close()
  })

  it('requires an absolute path', async () => {
    await expect(AuditLog.open('.rotor/audit.log')).rejects.toThrow(/absolute/)
  })

  it('finds the last line even when it is longer than the tail it reads', async () => {
    const log = await AuditLog.open(path)
    await log.append({secret: 's', action: 'create', outcome: 'ok'})
    const ids = Array.from({length: 100}, (_, i) => `${i}-${'v'.repeat(1000)}`)
    await log.append({secret: 's', action: 'sync', outcome: 'ok', versionIds: ids})
    await log.close()
    const lines = await readLines(path)
    expect(lines[1].length).toBeGreaterThan(TAIL_READ_BYTES)

    const again = await AuditLog.open(path)
    expect(again.lastSeq).toBe(2)
    expect(again.head).toBe(sha256(lines[1]))
    const e = await again.append({secret: 's', action: 'promote', outcome: 'ok'})
    expect(e).toMatchObject({seq: 3, prev: sha256(lines[1])})
    await again.close()
    expect(await verifyAuditLog(path)).toMatchObject({ok: true, entries: 3})
  })

  it('reads only the tail: a 3 GiB sparse prefix does not slow open or append down', async () => {
    const src = join(dir, 'src.log')
    const small = await AuditLog.open(src, keyed)
    for (let i = 0; i < 3; i++) await small.append({secret: `s${i}`, action: 'sync', outcome: 'ok'})
    await small.close()
    const lines = await readLines(src)
    await mkdir(join(dir, '.rotor'))
    const big = await open(join(dir, '.rotor', 'big.log'), 'w')
    try {
      await big.truncate(3 * 1024 ** 3)
      await big.write(`\n${lines.join('\n')}\n`, 3 * 1024 ** 3)
    } finally {
      await big.close()
    }
    const started = Date.now()
    const log = await AuditLog.open(join(dir, '.rotor', 'big.log'), keyed)
    expect(log.lastSeq).toBe(3)
    const e = await log.append({secret: 's', action: 'promote', outcome: 'ok'})
    expect(e).toMatchObject({seq: 4, prev: sha256(lines[2])})
    await log.close()
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('keeps chaining correctly over many entries', async () => {
    const log = await AuditLog.open(path)
    for (let i = 0; i < 600; i++) await log.append({secret: `s${i}`, action: 'sync', outcome: 'ok', reason: 'r'.repeat(200)})
    await log.close()
    expect((await stat(path)).size).toBeGreaterThan(2 * TAIL_READ_BYTES)
    const again = await AuditLog.open(path)
    expect(again.lastSeq).toBe(600)
    await again.append({secret: 's', action: 'sync', outcome: 'ok'})
    await again.close()
    expect(await verifyAuditLog(path)).toMatchObject({ok: true, entries: 601, problems: []})
  })

  it('refuses to append after an incomplete or damaged last line', async () => {
    const log = await AuditLog.open(path)
    await log.append({secret: 's', action: 'create', outcome: 'ok'})
    await appendFile(path, '{"seq":2,"ti')
    await expect(log.append({secret: 's', action: 'stage', outcome: 'ok'})).rejects.toThrow(/incomplete line/)
    await expect(AuditLog.open(path)).rejects.toThrow(AuditError)
    await appendFile(path, '\n')
    await expect(AuditLog.open(path)).rejects.toThrow(/not a valid entry/)
    await log.close()
  })

  it('close waits for pending appends and then refuses new ones', async () => {
    const log = await AuditLog.open(path)
    const pending = [1, 2, 3].map((i) => log.append({secret: `s${i}`, action: 'create', outcome: 'ok'}))
    await log.close()
    expect((await readLines(path)).length).toBe(3)
    await expect(Promise.all(pending)).resolves.toHaveLength(3)
    await expect(log.append({secret: 's', action: 'create', outcome: 'ok'})).rejects.toThrow(/closed/)
  })

  it('opens an existing empty file', async () => {
    const log = await AuditLog.open(path)
    await log.close()
    await writeFile(path, '')
    const again = await AuditLog.open(path)
    expect(again.lastSeq).toBe(0)
    expect(again.head).toBe(GENESIS_HASH)
    await again.close()
  })
})
