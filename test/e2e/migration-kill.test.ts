/**
 * The file store's v1 -> v2 migration is audited as an intent, then an outcome. A run killed
 * between the two left the intent open for good: nothing closed a `migrate` intent (the engine
 * resolves a secret's intents from its targets; a migration is the whole store's). Now the next
 * open closes it: after a kill before the rename, the file is still v1, the intent is closed as
 * not done and the migration is redone; after a kill past the rename, the database is in place,
 * its header says it was migrated, and the intent is closed as done.
 */
import {randomBytes} from 'node:crypto'
import {mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {seal} from '../../providers/file/crypto.js'
import {runCli} from '../support/cli.js'

const KILL = new URL('./support/kill-at-store-checkpoint.mjs', import.meta.url).href
const SQLITE = 'SQLite format 3\u0000'

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-migration-kill-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

const store = () => join(dir, '.rotor/secrets.enc')
type Entry = {seq: number; secret: string; target?: string; action: string; outcome: string; intent?: number; reason?: string; error?: string}
const migrations = async (): Promise<Entry[]> =>
  (await readFile(join(dir, '.rotor/audit.log'), 'utf8'))
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Entry)
    .filter((e) => e.action === 'migrate')
/** Intents no outcome entry names. */
const open = (entries: Entry[]): Entry[] => entries.filter((e) => e.outcome === 'intent' && !entries.some((o) => o.intent === e.seq))

async function v1Project(): Promise<NodeJS.ProcessEnv> {
  const key = randomBytes(32)
  await mkdir(join(dir, '.rotor'), {mode: 0o700})
  await writeFile(join(dir, 'rotor.yaml'), 'version: 1\nstores:\n  local:\n    type: file\n    path: .rotor/secrets.enc\nsecrets:\n  api:\n    targets: [local:api]\n    maxAge: 30d\n')
  const version = (id: string, role: string, value: string) => ({id, createdAt: '2026-01-01T00:00:00.000Z', role, enabled: true, destroyed: false, rotationId: `rot-${id}`, value})
  const data = {format: 1, secrets: {api: {labels: {'managed-by': 'rotor'}, meta: {}, versions: [version('1', 'current', 'v1-current-value-cccc')], nextVersion: 2}}}
  await writeFile(store(), seal(JSON.stringify(data), key), {mode: 0o600})
  return {ROTOR_FILE_KEY: key.toString('base64')}
}

describe('a v1 -> v2 migration killed between its intent and its outcome', () => {
  it('killed before the rename: the next open closes the intent as not done and migrates again', async () => {
    const env = await v1Project()
    const killed = await runCli(['get', 'api', '--reveal'], {cwd: dir, env: {...env, ROTOR_TEST_KILL_LABEL: 'migrate: v1 backup written'}, preload: [KILL]})
    expect(killed.code).not.toBe(0)
    expect((await readFile(store(), 'utf8')).startsWith('{')).toBe(true)
    const [intent] = await migrations()
    expect(open(await migrations())).toEqual([intent])

    const get = await runCli(['get', 'api', '--reveal'], {cwd: dir, env})
    expect(get.code, get.stderr).toBe(0)
    expect(get.stdout.trim()).toBe('v1-current-value-cccc')
    expect((await readFile(store())).subarray(0, 16).toString('latin1')).toBe(SQLITE)
    const entries = await migrations()
    expect(open(entries)).toEqual([])
    expect(entries).toMatchObject([
      {seq: intent.seq, outcome: 'intent'},
      {outcome: 'failed', intent: intent.seq, error: 'not done: the run stopped first', reason: expect.stringMatching(/^resolved: run .* stopped after its intent .*still the v1 file/)},
      {outcome: 'intent'},
      {outcome: 'ok', intent: entries[2]?.seq},
    ])
  })

  it('killed after the rename: the next open finds the migrated database and closes the intent as done', async () => {
    const env = await v1Project()
    const killed = await runCli(['get', 'api', '--reveal'], {cwd: dir, env: {...env, ROTOR_TEST_KILL_LABEL: 'migrate: database in place'}, preload: [KILL]})
    expect(killed.code).not.toBe(0)
    expect((await readFile(store())).subarray(0, 16).toString('latin1')).toBe(SQLITE)
    const [intent] = await migrations()
    expect(open(await migrations())).toEqual([intent])

    const status = await runCli(['status', '--json'], {cwd: dir, env})
    expect(status.code, status.stderr).toBe(0)
    const entries = await migrations()
    expect(open(entries)).toEqual([])
    expect(entries).toMatchObject([
      {seq: intent.seq, outcome: 'intent'},
      {outcome: 'ok', intent: intent.seq, reason: expect.stringMatching(/^resolved: run .* stopped after its intent .*the store is the v2 database it migrated .*the change happened/)},
    ])
    // Closed once: the next run adds nothing.
    expect((await runCli(['get', 'api', '--reveal'], {cwd: dir, env})).stdout.trim()).toBe('v1-current-value-cccc')
    expect(await migrations()).toHaveLength(2)
  })
})
