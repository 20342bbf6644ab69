import {createHash} from 'node:crypto'
import {mkdtemp, readFile, rename, rm, truncate, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {AuditLog} from '../../../src/audit/index.js'
import {readAuditHistory} from '../../../src/audit/history.js'
import {LogIndex, sharedLogIndex} from '../../../src/audit/read.js'
import type {AuditEntry} from '../../../src/audit/types.js'

/**
 * The one-pass reader (LogIndex) against reference readings that read the whole file each time,
 * as rotor did before: the answers must be the same after appends, a replacement, a rewrite in
 * place and a cut.
 */
let dir: string
let path: string
const env = () => ({ROTOR_HOME: join(dir, 'home'), ROTOR_AUDIT_KEY: 'k'.repeat(64)})

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-log-index-'))
  path = join(dir, 'audit.log')
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

/** Every complete line, parsed when it parses. */
async function lines(): Promise<Array<{text: string; parsed?: Record<string, unknown>}>> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const complete = text.split('\n').slice(0, -1)
  return complete.map((line) => {
    try {
      return {text: line, parsed: JSON.parse(line) as Record<string, unknown>}
    } catch {
      return {text: line}
    }
  })
}

async function referenceOpenIntents(secret?: string): Promise<number[]> {
  const open = new Map<number, string>()
  for (const {parsed} of await lines()) {
    if (!parsed || typeof parsed.seq !== 'number') continue
    if (parsed.outcome === 'intent') open.set(parsed.seq, parsed.secret as string)
    else if (typeof parsed.intent === 'number') open.delete(parsed.intent)
  }
  return [...open].filter(([, name]) => secret === undefined || name === secret).map(([seq]) => seq)
}

async function referenceHistory(): Promise<{secrets: string[]; stores: string[]}> {
  const secrets = new Set<string>()
  const stores = new Set<string>()
  for (const {parsed} of await lines()) {
    if (parsed?.outcome !== 'ok') continue
    if (typeof parsed.secret === 'string' && parsed.secret !== '*') secrets.add(parsed.secret)
    if (typeof parsed.target === 'string' && parsed.target.includes(':')) stores.add(parsed.target.split(':')[0])
  }
  return {secrets: [...secrets].sort(), stores: [...stores].sort()}
}

async function referenceHash(seq: number): Promise<string | undefined> {
  const line = (await lines()).find(({parsed}) => parsed?.seq === seq)
  return line ? createHash('sha256').update(line.text).digest('hex') : undefined
}

const seqs = (entries: AuditEntry[]) => entries.map((e) => e.seq)

async function expectSameAsReference(index: LogIndex, names: string[]): Promise<void> {
  expect(seqs(await index.openIntents())).toEqual(await referenceOpenIntents())
  for (const name of names) expect(seqs(await index.openIntents(name))).toEqual(await referenceOpenIntents(name))
  const history = await index.history()
  expect({secrets: [...history.secrets].sort(), stores: [...history.stores].sort()}).toEqual(await referenceHistory())
  const last = (await lines()).length
  for (let seq = 1; seq <= last + 1; seq++) expect(await index.hashAt(seq)).toBe(await referenceHash(seq))
}

/** Intents for `names`, closing all but every third one (a crashed run leaves those open). */
async function writeRun(log: AuditLog, names: string[], store = 'one'): Promise<void> {
  for (const [i, name] of names.entries()) {
    const intent = await log.append({secret: name, target: `${store}:${name}`, action: 'create', rotationId: `r-${name}`, outcome: 'intent'})
    if (i % 3 !== 2) await log.append({secret: name, target: `${store}:${name}`, action: 'create', rotationId: `r-${name}`, outcome: 'ok', intent: intent.seq})
  }
}

describe('LogIndex, the one pass a run makes over its audit log', () => {
  const names = ['a', 'b', 'c', 'd', 'e', 'f']

  it('answers open intents, history and hashes as a full read does, and keeps up with appends', async () => {
    const index = new LogIndex(path)
    await expectSameAsReference(index, names) // no log yet
    const log = await AuditLog.open(path, {env: env(), note: () => {}})
    await writeRun(log, names)
    await expectSameAsReference(index, names)
    expect(seqs(await index.openIntents('c'))).toHaveLength(1)
    expect(await index.openIntents('a')).toEqual([])

    // Another run appends (and closes one of the open intents): only the new lines are read.
    const open = await index.openIntents('c')
    await log.append({secret: 'c', target: 'two:c', action: 'create', rotationId: 'r-c', outcome: 'ok', intent: open[0].seq})
    await writeRun(log, ['g', 'h', 'i'], 'two')
    await log.append({secret: '*', action: 'run-lock', reason: 'waited', outcome: 'ok'})
    await expectSameAsReference(index, [...names, 'g', 'h', 'i'])
    await log.close()
  })

  it('reads the file again when it is replaced, rewritten in place or cut', async () => {
    const index = new LogIndex(path)
    const log = await AuditLog.open(path, {env: env(), note: () => {}})
    await writeRun(log, names)
    await log.close()
    await expectSameAsReference(index, names)
    const original = await readFile(path, 'utf8')

    // Replaced by another file (a new inode) holding another history.
    const other = join(dir, 'other.log')
    const otherLog = await AuditLog.open(other, {env: env(), note: () => {}})
    await writeRun(otherLog, ['x', 'y', 'z', 'w', 'v', 'u', 't'], 'two')
    await otherLog.close()
    await rename(other, path)
    await expectSameAsReference(index, ['x', 'y', 'z', 'a'])

    // Rewritten in place (same inode), longer than before.
    await writeFile(path, original + original.split('\n')[0] + '\n')
    await expectSameAsReference(index, names)

    // Cut.
    await truncate(path, original.indexOf('\n') + 1)
    await expectSameAsReference(index, names)
  })

  it('reads a last line without its newline for the history, as the streaming reader did, and no entry from it', async () => {
    const log = await AuditLog.open(path, {env: env(), note: () => {}})
    await writeRun(log, ['a'])
    await log.close()
    const text = await readFile(path, 'utf8')
    await writeFile(path, `${text}{"secret":"torn","outcome":"ok","target":"three:p"}`)
    const index = new LogIndex(path)
    const history = await index.history()
    expect([...history.secrets].sort()).toEqual(['a', 'torn'])
    expect([...history.stores].sort()).toEqual(['one', 'three'])
    expect(seqs(await index.openIntents())).toEqual(await referenceOpenIntents())
    // Completed later: read then as the entry it is (still no valid entry: no seq).
    await writeFile(path, `${text}{"secret":"torn","outcome":"ok","target":"three:p"}\n`)
    expect([...(await index.history()).secrets].sort()).toEqual(['a', 'torn'])
  })

  it('is shared by the history reader and the audit log of one process', async () => {
    const log = await AuditLog.open(path, {env: env(), note: () => {}})
    await writeRun(log, names)
    expect(seqs(await log.openIntents('f'))).toEqual(await referenceOpenIntents('f'))
    expect([...(await readAuditHistory(path)).secrets].sort()).toEqual((await referenceHistory()).secrets)
    expect(sharedLogIndex(path)).toBe(sharedLogIndex(path))
    await log.close()
  })
})
