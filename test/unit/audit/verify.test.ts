import {createHash} from 'node:crypto'
import {appendFile, readFile, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {AuditLog, verifyAuditLog, type AuditVerifyResult} from '../../../src/audit/index.js'
import {makeTempDir, readLines, unkeyed, writeLines} from './helpers.js'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const ACTIONS = ['create', 'stage', 'promote', 'sync', 'retire', 'destroy']

let cleanup: () => Promise<void>
let path: string
let lines: string[]

beforeEach(async () => {
  let dir: string
  ;({dir, cleanup} = await makeTempDir())
  path = join(dir, 'audit.log')
  const log = await AuditLog.open(path, {runId: 'r1'})
  for (const action of ACTIONS) {
    await log.append({secret: 'payments', target: 'aws:prod/payments', action, versionIds: {from: 'v1', to: 'v2'}, outcome: 'ok'})
  }
  await log.close()
  // The chain's checks run on a log as written before keyed chains: old logs keep verifying.
  lines = unkeyed(await readLines(path))
  await writeLines(path, lines)
})
afterEach(async () => {
  await cleanup()
})

const problemLines = (r: AuditVerifyResult) => r.problems.map((p) => p.line)

describe('verifyAuditLog', () => {
  it('accepts an untouched log and returns the head', async () => {
    const r = await verifyAuditLog(path)
    expect(r).toEqual({ok: true, entries: 6, keyed: 0, lastSeq: 6, anchors: [], problems: [], head: sha256(lines[5])})
  })

  it('reports a changed middle entry at its line', async () => {
    lines[2] = lines[2].replace('"action":"promote"', '"action":"promotE"')
    await writeLines(path, lines)
    const r = await verifyAuditLog(path)
    expect(r.ok).toBe(false)
    expect(r.entries).toBe(6)
    expect(r.problems).toEqual([{line: 3, seq: 3, message: expect.stringMatching(/entry changed.*line 4/)}])
  })

  it('reports a one-byte change of a version id', async () => {
    const buf = await readFile(path)
    const at = buf.indexOf('"to":"v2"', buf.indexOf('"seq":4'))
    buf[at + 7] = '3'.charCodeAt(0)
    await writeFile(path, buf)
    expect(problemLines(await verifyAuditLog(path))).toEqual([4])
  })

  it('reports a deleted middle entry', async () => {
    lines.splice(3, 1)
    await writeLines(path, lines)
    const r = await verifyAuditLog(path)
    expect(r.ok).toBe(false)
    expect(r.entries).toBe(5)
    expect(r.problems).toEqual([
      {line: 4, seq: 5, message: expect.stringMatching(/seq jumps from 3 \(line 3\) to 5: 1 entry removed.*prev does not match/)},
    ])
  })

  it('reports swapped entries', async () => {
    ;[lines[2], lines[3]] = [lines[3], lines[2]]
    await writeLines(path, lines)
    const r = await verifyAuditLog(path)
    expect(r.ok).toBe(false)
    expect(problemLines(r)).toContain(3)
    expect(problemLines(r)).toContain(4)
    expect(r.problems.find((p) => p.line === 4)?.message).toMatch(/seq 3 does not follow seq 4.*reordered/)
  })

  it('reports a duplicated entry', async () => {
    lines.splice(3, 0, lines[2])
    await writeLines(path, lines)
    const r = await verifyAuditLog(path)
    expect(r.problems[0]).toMatchObject({line: 4, seq: 3, message: expect.stringMatching(/reordered or duplicated/)})
  })

  it('reports appended garbage', async () => {
    await appendFile(path, 'rm -rf / # not json\n')
    const r = await verifyAuditLog(path)
    expect(r.ok).toBe(false)
    expect(r.entries).toBe(6)
    expect(r.problems).toEqual([{line: 7, message: 'malformed line: not valid JSON'}])
  })

  it('reports a garbage line inserted in the middle without blaming its neighbours', async () => {
    lines.splice(2, 0, '{"hello":"world"}')
    await writeLines(path, lines)
    const r = await verifyAuditLog(path)
    expect(r.problems).toEqual([{line: 3, message: 'malformed entry: unexpected field "hello"'}])
  })

  it('reports a truncated last line', async () => {
    const text = await readFile(path, 'utf8')
    await writeFile(path, text.slice(0, text.length - 40))
    const r = await verifyAuditLog(path)
    expect(r.ok).toBe(false)
    expect(r.entries).toBe(5)
    expect(r.problems).toEqual([{line: 6, message: expect.stringMatching(/incomplete \(no trailing newline\)/)}])
  })

  it('reports entries removed from the start', async () => {
    await writeLines(path, lines.slice(2))
    const r = await verifyAuditLog(path)
    expect(r.problems).toEqual([
      {line: 1, seq: 3, message: expect.stringMatching(/first entry has seq 3, expected 1.*prev does not match/)},
    ])
  })

  it('reports an edited but still valid last entry only if it is no longer in canonical form', async () => {
    lines[5] = lines[5].replace('"seq":6,', '"seq": 6,')
    await writeLines(path, lines)
    const r = await verifyAuditLog(path)
    expect(r.problems).toEqual([{line: 6, seq: 6, message: expect.stringMatching(/exact form rotor writes/)}])
  })

  it('cannot see a deleted tail by itself, but the head changes', async () => {
    const before = await verifyAuditLog(path)
    await writeLines(path, lines.slice(0, 4))
    const after = await verifyAuditLog(path)
    expect(after).toMatchObject({ok: true, entries: 4})
    expect(after.head).not.toBe(before.head)
  })

  it('treats an empty file as a valid empty log', async () => {
    await writeFile(path, '')
    expect(await verifyAuditLog(path)).toEqual({ok: true, entries: 0, keyed: 0, anchors: [], problems: [], head: undefined})
  })

  it('reports a missing file', async () => {
    const r = await verifyAuditLog(`${path}.nope`)
    expect(r.ok).toBe(false)
    expect(r.entries).toBe(0)
    expect(r.problems[0].message).toMatch(/audit log not found/)
  })

  it('reports blank lines', async () => {
    lines.splice(1, 0, '')
    await writeLines(path, lines)
    expect((await verifyAuditLog(path)).problems).toEqual([{line: 2, message: 'empty line'}])
  })
})
