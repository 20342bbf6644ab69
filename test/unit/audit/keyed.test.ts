import {createHash} from 'node:crypto'
import {mkdir, readFile, rename, stat, writeFile} from 'node:fs/promises'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {
  AuditError,
  AuditLog,
  anchorMeta,
  anchorProblem,
  defaultKeyFile,
  readAnchor,
  redactUrlCredentials,
  verifyAuditLog,
} from '../../../src/audit/index.js'
import {resolveIntent} from '../../../src/audit/resolve.js'
import {hashesOf, LogIndex} from '../../../src/audit/read.js'
import {registerSecret, resetRedactor} from '../../../src/redact/index.js'
import type {SecretSnapshot} from '../../../providers/types.js'
import {makeTempDir, readLines, unkeyed, writeLines} from './helpers.js'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const KEY = 'a'.repeat(32)
const OTHER = 'b'.repeat(32)

let dir: string
let cleanup: () => Promise<void>
let path: string
let env: NodeJS.ProcessEnv

beforeEach(async () => {
  ;({dir, cleanup} = await makeTempDir())
  path = join(dir, 'audit.log')
  env = {ROTOR_HOME: join(dir, 'home')}
})
afterEach(async () => {
  resetRedactor()
  await cleanup()
})

async function write(n: number, opts: {env?: NodeJS.ProcessEnv; note?: (m: string) => void} = {}): Promise<AuditLog> {
  const log = await AuditLog.open(path, {env, ...opts})
  for (let i = 0; i < n; i++) await log.append({secret: 's', target: 'file:s', action: 'stage', rotationId: `rot-${i}`, outcome: 'ok'})
  await log.close()
  return log
}

describe('the keyed chain', () => {
  it('creates one 0600 key per log under ROTOR_HOME, says so once, and every entry verifies under it', async () => {
    const notes: string[] = []
    await write(2, {note: (m) => notes.push(m)})
    await write(1, {note: (m) => notes.push(m)})
    expect(notes).toEqual([expect.stringContaining(defaultKeyFile(path, env))])
    expect(defaultKeyFile(path, env)).toMatch(new RegExp(`^${join(dir, 'home', 'audit-keys')}/[0-9a-f]{16}\\.key$`))
    expect(defaultKeyFile(join(dir, 'other.log'), env)).not.toBe(defaultKeyFile(path, env))
    if (process.platform !== 'win32') expect((await stat(defaultKeyFile(path, env))).mode & 0o777).toBe(0o600)
    const key = Buffer.from((await readFile(defaultKeyFile(path, env), 'utf8')).trim())
    expect(await verifyAuditLog(path, {key})).toMatchObject({ok: true, entries: 3, keyed: 3})
  })

  it('fails the HMAC under another key and names a missing key', async () => {
    await write(3, {env: {ROTOR_AUDIT_KEY: KEY}})
    const wrong = await verifyAuditLog(path, {key: Buffer.from(OTHER)})
    expect(wrong.ok).toBe(false)
    expect(wrong.problems.map((p) => p.line)).toEqual([1, 2, 3])
    expect(wrong.problems[0].message).toMatch(/HMAC does not verify/)
    const none = await verifyAuditLog(path, {key: null, keySource: '/keys/x.key'})
    expect(none.problems).toEqual([{line: 1, seq: 1, message: expect.stringContaining('/keys/x.key')}])
  })

  it('finds an entry rewritten with a correct SHA-256 chain but no key', async () => {
    await write(3, {env: {ROTOR_AUDIT_KEY: KEY}})
    const lines = await readLines(path)
    const edited = JSON.parse(lines[1]) as Record<string, unknown>
    edited.rotationId = 'rot-forged'
    lines[1] = JSON.stringify(edited)
    const third = JSON.parse(lines[2]) as Record<string, unknown>
    third.prev = sha256(lines[1])
    lines[2] = JSON.stringify(third)
    await writeLines(path, lines)
    const r = await verifyAuditLog(path, {key: Buffer.from(KEY)})
    expect(r.problems).toEqual([{line: 2, seq: 2, message: expect.stringMatching(/HMAC/)}, {line: 3, seq: 3, message: expect.stringMatching(/HMAC/)}])
  })

  it('keeps verifying an old unkeyed log, continues it keyed, and never goes back', async () => {
    await write(2, {env: {ROTOR_AUDIT_KEY: KEY}})
    await writeLines(path, unkeyed(await readLines(path)))
    expect(await verifyAuditLog(path, {key: null})).toMatchObject({ok: true, entries: 2, keyed: 0})
    await write(2, {env: {ROTOR_AUDIT_KEY: KEY}})
    expect(await verifyAuditLog(path, {key: Buffer.from(KEY)})).toMatchObject({ok: true, entries: 4, keyed: 2})
    // An entry appended without the key after keyed ones: an insertion.
    const lines = await readLines(path)
    lines.push(JSON.stringify({...JSON.parse(unkeyed([lines[3]])[0]), seq: 5, prev: sha256(lines[3])}))
    await writeLines(path, lines)
    const r = await verifyAuditLog(path, {key: Buffer.from(KEY)})
    expect(r.problems).toEqual([{line: 5, seq: 5, message: expect.stringMatching(/unkeyed entry after keyed entries/)}])
  })

  it('refuses to append to a keyed log whose key is missing or different', async () => {
    await write(1, {env: {ROTOR_AUDIT_KEY: KEY}})
    await expect(AuditLog.open(path, {env})).rejects.toThrow(/is keyed, but its audit key .* is missing/)
    await expect(AuditLog.open(path, {env: {ROTOR_AUDIT_KEY: OTHER}})).rejects.toThrow(/does not verify under the audit key ROTOR_AUDIT_KEY/)
    await expect(AuditLog.open(path, {env: {ROTOR_AUDIT_KEY: 'short'}})).rejects.toThrow(AuditError)
  })
})

describe('a log moved to another path', () => {
  it('finds its key among the key files of the old paths and copies it to the new name', async () => {
    await write(2)
    const oldKey = defaultKeyFile(path, env)
    const moved = join(dir, 'moved', 'audit.log')
    await mkdir(join(dir, 'moved'))
    await rename(path, moved)
    // Another log's key, which does not verify this one, is passed over.
    await writeFile(join(dir, 'home', 'audit-keys', '0000000000000000.key'), `${OTHER}\n`, {mode: 0o600})
    const notes: string[] = []
    const log = await AuditLog.open(moved, {env, note: (m) => notes.push(m)})
    await log.append({secret: 's', target: 'file:s', action: 'stage', rotationId: 'rot-moved', outcome: 'ok'})
    await log.close()
    expect(notes).toEqual([expect.stringContaining(`in ${oldKey}`)])
    expect(await readFile(defaultKeyFile(moved, env), 'utf8')).toBe(await readFile(oldKey, 'utf8'))
    if (process.platform !== 'win32') expect((await stat(defaultKeyFile(moved, env))).mode & 0o777).toBe(0o600)
    expect(await verifyAuditLog(moved, {key: Buffer.from((await readFile(oldKey, 'utf8')).trim())})).toMatchObject({ok: true, entries: 3, keyed: 3})
  })

  it('still refuses a keyed log when no key file verifies it', async () => {
    await write(1)
    await writeFile(defaultKeyFile(path, env), `${OTHER}\n`)
    const moved = join(dir, 'other.log')
    await rename(path, moved)
    await expect(AuditLog.open(moved, {env})).rejects.toThrow(/is keyed, but its audit key .* is missing/)
  })
})

describe('anchors', () => {
  it('round-trips through metadata and ignores malformed ones', () => {
    const meta = anchorMeta({lastSeq: 7, head: 'f'.repeat(64)})
    expect(meta).toEqual({auditSeq: '7', auditHead: 'f'.repeat(64)})
    expect(readAnchor(meta, 'x')).toEqual({source: 'x', seq: 7, head: 'f'.repeat(64)})
    expect(readAnchor({auditSeq: 'seven', auditHead: 'f'.repeat(64)}, 'x')).toBeUndefined()
    expect(anchorMeta({lastSeq: 0, head: '0'.repeat(64)})).toEqual({})
  })

  it("checks only its own log's anchors: another runner's log anchors the same secret", async () => {
    const mine = await write(2, {env: {ROTOR_AUDIT_KEY: KEY}})
    const theirs = {source: 'api', seq: 9, head: 'c'.repeat(64), log: 'someoneelse1'}
    const own = {source: 'api', seq: 2, head: mine.head, log: mine.keyId}
    expect(anchorMeta({lastSeq: 2, head: mine.head, keyId: mine.keyId})).toMatchObject({auditLog: mine.keyId})
    const r = await verifyAuditLog(path, {key: Buffer.from(KEY), anchors: [theirs, own]})
    expect(r.ok).toBe(true)
    expect(r.anchors).toEqual(expect.arrayContaining([{...theirs, ok: true, otherLog: true}, {...own, ok: true}]))
    const cut = await verifyAuditLog(path, {key: Buffer.from(KEY), anchors: [{...own, seq: 3}]})
    expect(cut.ok).toBe(false)
  })

  it('names an emptied log, a cut tail and a rebuilt or replaced log', () => {
    const a = {source: 'api (file:api)', seq: 5, head: 'a'.repeat(64)}
    expect(anchorProblem(a, 0, undefined)).toMatch(/missing or empty.*deleted or emptied/)
    expect(anchorProblem(a, 3, undefined)).toMatch(/ends at entry 3, but api \(file:api\) records entry 5.*tail was cut/)
    expect(anchorProblem(a, 9, 'b'.repeat(64))).toMatch(/rebuilt or the log replaced/)
    expect(anchorProblem(a, 9, 'a'.repeat(64))).toBeUndefined()
  })

  it('verify checks anchors against the log, and AuditLog refuses to run over a log an anchor outgrew', async () => {
    const log = await write(3, {env: {ROTOR_AUDIT_KEY: KEY}})
    const head = {source: 'api', seq: log.lastSeq, head: log.head}
    expect(await verifyAuditLog(path, {key: Buffer.from(KEY), anchors: [head]})).toMatchObject({ok: true, anchors: [{...head, ok: true}]})
    const lines = await readLines(path)
    await writeLines(path, lines.slice(0, 2))
    const cut = await verifyAuditLog(path, {key: Buffer.from(KEY), anchors: [head]})
    expect(cut.problems).toEqual([{line: 0, message: expect.stringMatching(/tail was cut/)}])
    const reopened = await AuditLog.open(path, {env: {ROTOR_AUDIT_KEY: KEY}})
    expect(await reopened.anchorProblem(head)).toMatch(/tail was cut/)
    expect(await reopened.anchorProblem({...head, seq: 2, head: sha256(lines[1])})).toBeUndefined()
    await writeFile(path, '')
    expect(await (await AuditLog.open(path, {env: {ROTOR_AUDIT_KEY: KEY}})).anchorProblem(head)).toMatch(/deleted or emptied/)
  })
})

describe('anchors and concurrent runs', () => {
  it('an anchor written by a run that appended after this one opened the log is not a cut tail', async () => {
    await write(2, {env: {ROTOR_AUDIT_KEY: KEY}})
    const early = await AuditLog.open(path, {env: {ROTOR_AUDIT_KEY: KEY}})
    expect(early.lastSeq).toBe(2)
    // Another run appends and anchors entry 4 while `early` still knows only entry 2.
    const other = await write(2, {env: {ROTOR_AUDIT_KEY: KEY}})
    const anchor = {source: 'api', seq: other.lastSeq, head: other.head}
    expect(anchor.seq).toBe(4)
    expect(await early.anchorProblem(anchor)).toBeUndefined()
    // A real cut is still found by the same instance.
    await writeLines(path, (await readLines(path)).slice(0, 3))
    const fresh = await AuditLog.open(path, {env: {ROTOR_AUDIT_KEY: KEY}})
    expect(await fresh.anchorProblem(anchor)).toMatch(/ends at entry 3.*tail was cut/)
    await early.close()
  })
})

describe('what reaches an entry', () => {
  it('scrubs URL credentials and known values from every string', async () => {
    expect(redactUrlCredentials('see https://bob:pw@x.example/p and postgres://u@db')).toBe('see https://[redacted]@x.example/p and postgres://[redacted]@db')
    registerSecret('sk_live_0123456789')
    const log = await AuditLog.open(path, {env: {ROTOR_AUDIT_KEY: KEY}})
    const e = await log.append({secret: 's', action: 'verify', reason: 'hook https://u:p@h/x', error: 'echoed sk_live_0123456789', outcome: 'failed'})
    await log.close()
    expect(e).toMatchObject({reason: 'hook https://[redacted]@h/x', error: 'echoed [redacted]'})
    expect(await readFile(path, 'utf8')).not.toMatch(/sk_live|u:p@/)
  })

  it('links an outcome to its intent', async () => {
    const log = await AuditLog.open(path, {env: {ROTOR_AUDIT_KEY: KEY}})
    const intent = await log.append({secret: 's', target: 'file:s', action: 'stage', rotationId: 'rot-1', outcome: 'intent'})
    await log.append({secret: 's', target: 'file:s', action: 'stage', rotationId: 'rot-1', versionIds: {to: '2'}, outcome: 'ok', intent: intent.seq})
    const open = await log.append({secret: 's', target: 'file:s', action: 'promote', rotationId: 'rot-1', outcome: 'intent'})
    expect((await log.openIntents()).map((i) => i.seq)).toEqual([open.seq])
    await log.close()
    expect(await verifyAuditLog(path, {key: Buffer.from(KEY)})).toMatchObject({ok: true, entries: 3})
  })
})

describe('resolving an intent a crashed run left open', () => {
  const snapshot = (versions: SecretSnapshot['versions']): SecretSnapshot => ({path: 's', exists: true, owned: true, versions, meta: {}, labels: {}})
  const v = (id: string, role: 'current' | 'previous' | 'pending' | 'retired', rotationId: string, enabled = true) => ({
    id,
    role,
    rotationId,
    enabled,
    destroyed: false,
    createdAt: new Date(0),
  })
  const intent = {seq: 4, time: '', user: 'u', host: 'h', pid: 1, runId: 'run-dead', secret: 's', target: 'file:s', outcome: 'intent' as const, prev: ''}

  it('records what the store shows, with the rotation id, the versions and the original run id', () => {
    const staged = resolveIntent({...intent, action: 'stage', rotationId: 'rot-2', versionIds: {from: '1'}}, snapshot([v('2', 'pending', 'rot-2'), v('1', 'current', 'rot-1')]))
    expect(staged).toMatchObject({outcome: 'ok', action: 'stage', rotationId: 'rot-2', versionIds: {from: '1', to: '2'}, intent: 4, intentRunId: 'run-dead'})
    const notPromoted = resolveIntent({...intent, action: 'promote', rotationId: 'rot-2', versionIds: {from: '1', to: '2'}}, snapshot([v('2', 'pending', 'rot-2'), v('1', 'current', 'rot-1')]))
    expect(notPromoted).toMatchObject({outcome: 'failed', rotationId: 'rot-2', versionIds: {from: '1', to: '2'}, intentRunId: 'run-dead'})
    const retired = resolveIntent({...intent, action: 'retire', versionIds: ['1'], rotationId: 'rot-1'}, snapshot([v('2', 'current', 'rot-2'), v('1', 'retired', 'rot-1', false)]))
    expect(retired).toMatchObject({outcome: 'ok', versionIds: ['1'], rotationId: 'rot-1'})
    expect(resolveIntent({...intent, action: 'something-new'}, snapshot([]))).toBeUndefined()
  })
})

describe('anchors of a whole run, in one pass', () => {
  it('hashesOf gives the hash LogIndex.hashAt gives, also for a line whose keys are not in rotor order', async () => {
    await write(5, {env: {ROTOR_AUDIT_KEY: KEY}})
    const lines = await readLines(path)
    // Entry 3 written by hand with `seq` not first: its seq is found by parsing the line.
    const third = JSON.parse(lines[2]) as Record<string, unknown>
    const {seq, ...rest} = third
    lines[2] = JSON.stringify({...rest, seq})
    await writeLines(path, lines)
    const index = new LogIndex(path)
    const wanted = new Set([1, 3, 5, 9])
    const hashes = await hashesOf(path, wanted)
    for (const n of wanted) expect(hashes.get(n)).toBe(await index.hashAt(n))
    expect(hashes.get(3)).toBe(sha256(lines[2]))
    expect(hashes.has(9)).toBe(false)
  })

  it('anchorProblems judges each anchor as anchorProblem does', async () => {
    const log = await write(3, {env: {ROTOR_AUDIT_KEY: KEY}})
    const ok = {source: 'a', seq: 3, head: log.head}
    const wrong = {source: 'b', seq: 2, head: 'e'.repeat(64)}
    const beyond = {source: 'c', seq: 7, head: log.head}
    const opened = await AuditLog.open(path, {env: {ROTOR_AUDIT_KEY: KEY}})
    const problems = await opened.anchorProblems([ok, wrong, beyond])
    expect(problems[0]).toBeUndefined()
    expect(problems[1]).toMatch(/rebuilt or the log replaced/)
    expect(problems[2]).toMatch(/tail was cut/)
    expect(await Promise.all([ok, wrong, beyond].map((a) => opened.anchorProblem(a)))).toEqual(problems)
    await opened.close()
  })
})
