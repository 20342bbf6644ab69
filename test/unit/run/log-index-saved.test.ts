import {createHash} from 'node:crypto'
import {appendFile, mkdtemp, readFile, rename, rm, truncate, writeFile} from 'node:fs/promises'
import {existsSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {AuditLog} from '../../../src/audit/index.js'
import {LogIndex, savedIndexFile, sharedLogIndex} from '../../../src/audit/read.js'

/**
 * The LogIndex's saved state: a later process starts where the last one stopped and reads only
 * what was appended, and a log that was replaced, rewritten or cut is read in full again (the
 * saved state is not used). A marker secret only the saved state holds shows which happened.
 */
let dir: string
let path: string
let env: NodeJS.ProcessEnv

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-log-saved-'))
  path = join(dir, 'audit.log')
  env = {ROTOR_HOME: join(dir, 'home'), ROTOR_AUDIT_KEY: 'k'.repeat(64)}
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

const MARKER = 'only-in-the-saved-state'
const fresh = () => new LogIndex(path, {save: true, env})

/** A log over 1 MB: a run with open intents, then many loose history lines. */
async function bigLog(): Promise<void> {
  const log = await AuditLog.open(path, {env, note: () => {}})
  for (const [i, name] of ['a', 'b', 'c', 'd'].entries()) {
    const intent = await log.append({secret: name, target: `one:${name}`, action: 'create', rotationId: `r-${name}`, outcome: 'intent'})
    if (i % 2 === 0) await log.append({secret: name, target: `one:${name}`, action: 'create', rotationId: `r-${name}`, outcome: 'ok', intent: intent.seq})
  }
  await log.close()
  const filler = Array.from({length: 20_000}, (_, i) => `{"secret":"f${i}","outcome":"ok","target":"two:app/f${i}","reason":"padding to make the log large"}\n`)
  await appendFile(path, filler.join(''))
}

/** What a full read answers (a LogIndex that saves nothing and loads nothing). */
async function reference(): Promise<{open: number[]; secrets: string[]; stores: string[]; lastSeq: number}> {
  return answers(new LogIndex(path))
}

async function answers(index: LogIndex): Promise<{open: number[]; secrets: string[]; stores: string[]; lastSeq: number}> {
  const history = await index.history()
  return {open: (await index.openIntents()).map((e) => e.seq), secrets: [...history.secrets].sort(), stores: [...history.stores].sort(), lastSeq: await index.lastSeq()}
}

/** Adds MARKER to the saved state's secrets. */
async function markSavedState(): Promise<void> {
  const file = savedIndexFile(path, env)
  const saved = JSON.parse(await readFile(file, 'utf8')) as {secrets: string[]}
  saved.secrets.push(MARKER)
  await writeFile(file, JSON.stringify(saved))
}

describe('LogIndex saved state', () => {
  it('is saved after a large read; the next index starts from it and reads only what was appended', async () => {
    await bigLog()
    const first = fresh()
    const want = await reference()
    expect(want.open).toHaveLength(2)
    expect(await answers(first)).toEqual(want)
    expect(existsSync(savedIndexFile(path, env))).toBe(true)
    // A later process: the same answers.
    expect(await answers(fresh())).toEqual(want)

    await markSavedState()
    expect((await fresh().history()).secrets.has(MARKER)).toBe(true)
    await appendFile(path, '{"secret":"appended","outcome":"ok","target":"three:x"}\n')
    const later = await answers(fresh())
    expect(later.secrets).toContain(MARKER)
    expect(later.secrets).toContain('appended')
    expect(later.stores).toContain('three')
    // Open intents come from the saved state too: closing one in an appended line closes it.
    const open = await fresh().openIntents('b')
    expect(open).toHaveLength(1)
    await appendFile(path, `${JSON.stringify({...open[0], seq: 999_999, outcome: 'ok', intent: open[0].seq, })}\n`)
    expect(await fresh().openIntents('b')).toEqual([])
  })

  it('is not used for a log rewritten in place, replaced or cut: those are read in full', async () => {
    await bigLog()
    await answers(fresh())
    await markSavedState()
    expect((await fresh().history()).secrets.has(MARKER)).toBe(true)
    const text = await readFile(path, 'utf8')

    // Rewritten in place, same length: only the last line differs.
    const lastStart = text.lastIndexOf('\n', text.length - 2) + 1
    const lastLine = text.slice(lastStart)
    await writeFile(path, text.slice(0, lastStart) + lastLine.replace('padding', 'PADDING'))
    expect((await readFile(path)).length).toBe(Buffer.byteLength(text))
    expect(await answers(fresh())).toEqual(await reference())
    expect((await fresh().history()).secrets.has(MARKER)).toBe(false)

    // Replaced by a copy (another inode), with the marker saved again.
    await writeFile(path, text)
    await answers(fresh())
    await markSavedState()
    expect((await fresh().history()).secrets.has(MARKER)).toBe(true)
    await writeFile(join(dir, 'copy.log'), text)
    await rename(join(dir, 'copy.log'), path)
    expect(await answers(fresh())).toEqual(await reference())

    // Cut.
    await answers(fresh())
    await markSavedState()
    await truncate(path, text.indexOf('\n') + 1)
    expect(await answers(fresh())).toEqual(await reference())
  })

  it('answers hashes from a full read, never from the saved state', async () => {
    await bigLog()
    await answers(fresh())
    await markSavedState()
    const index = fresh()
    const line = (await readFile(path, 'utf8')).split('\n')[0]
    expect(await index.hashAt(1)).toBe(createHash('sha256').update(line).digest('hex'))
    expect((await index.history()).secrets.has(MARKER)).toBe(false)
  })

  it("takes a run's own appends without reading them back, and saves them at close: the next process reads none of them", async () => {
    const log = await AuditLog.open(path, {env, note: () => {}})
    // As a run does: the process's index has read the log before the run appends.
    expect(await log.openIntents()).toEqual([])
    // Over 1 MB of entries (saved at close), appended at once as a fleet's run does (group commits).
    const names = Array.from({length: 3000}, (_, i) => `s${i}`)
    const intents = await Promise.all(names.map((name) => log.append({secret: name, target: `one:app/${name}`, action: 'create', rotationId: `r-${name}`, outcome: 'intent'})))
    await Promise.all(intents.slice(1).map((intent) => log.append({secret: intent.secret, target: intent.target, action: 'create', rotationId: intent.rotationId, outcome: 'ok', intent: intent.seq})))
    await log.close()
    const size = (await readFile(path)).length
    expect(size).toBeGreaterThan(1 << 20)
    // The process's index is current without a read, and it was saved up to the log's end.
    const shared = savedIndexFile(path)
    const saved = JSON.parse(await readFile(shared, 'utf8')) as {offset: number; lastSeq: number; open: Array<{seq: number}>}
    expect(saved.offset).toBe(size)
    expect(saved.lastSeq).toBe(5999)
    expect(saved.open.map((e) => e.seq)).toEqual([intents[0].seq])
    const want = await reference()
    expect(await answers(sharedLogIndex(path))).toEqual(want)
    // A later process answers from the saved state alone (the marker shows it read nothing before it).
    const later = () => new LogIndex(path, {save: true})
    expect(await answers(later())).toEqual(want)
    const state = JSON.parse(await readFile(shared, 'utf8')) as {secrets: string[]}
    state.secrets.push(MARKER)
    await writeFile(shared, JSON.stringify(state))
    expect((await later().history()).secrets.has(MARKER)).toBe(true)
  })

  it("leaves appends that follow another process's lines to the next read: answers stay those of a full read", async () => {
    const log = await AuditLog.open(path, {env, note: () => {}})
    const index = sharedLogIndex(path)
    await log.openIntents()
    const first = await log.append({secret: 'a', target: 'one:a', action: 'create', rotationId: 'r-a', outcome: 'intent'})
    // Another process's entry (its own writer fed its own index, not this one).
    await appendFile(path, `${JSON.stringify({...first, seq: first.seq + 1, secret: 'foreign', target: 'other:x', outcome: 'ok'})}\n`)
    const done = await log.append({secret: 'a', target: 'one:a', action: 'create', rotationId: 'r-a', outcome: 'ok', intent: first.seq})
    expect(done.seq).toBe(first.seq + 2)
    await log.close()
    const history = await index.history()
    expect(history.secrets.has('foreign')).toBe(true)
    expect(history.stores.has('other')).toBe(true)
    expect(await answers(index)).toEqual(await reference())
  })
})
