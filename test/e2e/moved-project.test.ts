/**
 * A project folder moved (or renamed) with its audit log: the log's default key file is named
 * after the log's absolute path, and before this fix the moved log was refused ("keyed, but its
 * audit key ... is missing") although the key was still in the user's directory. The file store's
 * default key file is named after the store's path too: before its fix the moved store was
 * refused ("store file ... exists but its key was not found").
 */
import {mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {seal} from '../../providers/file/crypto.js'
import {json, runCli} from '../support/cli.js'

const T0 = '2027-01-01T00:00:00.000Z'
const LATER = '2027-01-02T00:00:00.000Z'

let root: string
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'rotor-moved-'))
})
afterEach(async () => {
  await rm(root, {recursive: true, force: true})
})

describe('a project moved to another folder', () => {
  it('keeps its audit key: audit verify finds it, rotate copies it to the key file of the new path', async () => {
    const home = join(root, 'home') // the user's keys, outside the project
    const env = {ROTOR_HOME: home, ROTOR_FILE_KEY: Buffer.alloc(32, 3).toString('base64')}
    const before = join(root, 'project')
    const after = join(root, 'renamed')
    await mkdir(before)
    await writeFile(join(before, 'rotor.yaml'), 'version: 1\nstores:\n  local:\n    type: file\n    path: .rotor/secrets.enc\nsecrets:\n  api:\n    targets: [local:api]\n    maxAge: 30d\n')
    const created = await runCli(['apply', '--yes'], {cwd: before, env, now: T0})
    expect(created.code, created.stderr).toBe(0)
    expect(await readdir(join(home, 'audit-keys'))).toHaveLength(1)

    await rename(before, after)
    // verify finds the key without copying it
    const first = await runCli(['audit', 'verify', '--json'], {cwd: after, env, now: LATER})
    expect(first.code, first.stderr).toBe(0)
    expect(json(first)).toMatchObject({ok: true, problems: []})
    expect(await readdir(join(home, 'audit-keys'))).toHaveLength(1)

    const rotated = await runCli(['rotate', 'api', '--yes'], {cwd: after, env, now: LATER})
    expect(rotated.code, rotated.stderr).toBe(0)
    expect(rotated.stderr).toMatch(/Found the audit key of .*renamed.*audit\.log in .*audit-keys.* and copied it to/)
    expect(await readdir(join(home, 'audit-keys'))).toHaveLength(2)

    const verified = await runCli(['audit', 'verify', '--json'], {cwd: after, env, now: LATER})
    expect(verified.code, verified.stderr).toBe(0)
    expect(json(verified)).toMatchObject({ok: true, problems: []})
    expect((json(verified) as {keyed: number}).keyed).toBeGreaterThan(2)
  })
})

const CONFIG = 'version: 1\nstores:\n  local:\n    type: file\n    path: .rotor/secrets.enc\nsecrets:\n  api:\n    targets: [local:api]\n    maxAge: 30d\n'
/** stderr with oclif's wrapped warning lines joined. */
const flat = (text: string): string => text.replace(/\n ›\s*/g, ' ').replace(/\s+/g, ' ')
const KEY_FOUND = /found the key of file store local \(.*renamed.*secrets\.enc\) in .*keys.*file-local-.*\.key .* and copied it to .*file-local-.*\.key/

describe('a project moved to another folder, with the file store key in the user directory', () => {
  async function project(home: string): Promise<{before: string; after: string; env: NodeJS.ProcessEnv}> {
    const before = join(root, 'project')
    await mkdir(before)
    await writeFile(join(before, 'rotor.yaml'), CONFIG)
    const env = {ROTOR_HOME: home}
    const created = await runCli(['apply', '--yes'], {cwd: before, env, now: T0})
    expect(created.code, created.stderr).toBe(0)
    expect(flat(created.stderr)).toMatch(/created the key of file store local at .*file-local-.*\.key/)
    return {before, after: join(root, 'renamed'), env}
  }

  it('finds the key that opens the store, copies it to the new path key file, says so once (a JSON warning), and carries on', async () => {
    const home = join(root, 'home')
    const {before, after, env} = await project(home)
    const [oldKeyName] = await readdir(join(home, 'keys'))
    const value = json<{value: string}>(await runCli(['get', 'api', '--reveal', '--json'], {cwd: before, env, now: T0})).value
    // Another store's key in the same folder, tried and passed over (it does not open the header).
    const other = join(root, 'other')
    await mkdir(other)
    await writeFile(join(other, 'rotor.yaml'), CONFIG)
    expect((await runCli(['apply', '--yes'], {cwd: other, env, now: T0})).code).toBe(0)
    const keysBefore = await readdir(join(home, 'keys'))
    expect(keysBefore).toHaveLength(2)

    await rename(before, after)
    const status = await runCli(['status', '--json'], {cwd: after, env, now: LATER})
    expect(status.code, status.stderr).toBe(0)
    const warnings = (json(status) as {warnings: string[]}).warnings
    expect(warnings.filter((w) => KEY_FOUND.test(w))).toHaveLength(1)
    expect(warnings.find((w) => KEY_FOUND.test(w))).toContain(oldKeyName)
    const keys = await readdir(join(home, 'keys'))
    expect(keys).toHaveLength(3)
    expect(keys).toContain(oldKeyName) // the old file stays (the old path may hold a copy)
    const adopted = keys.filter((k) => !keysBefore.includes(k))
    expect(adopted).toHaveLength(1)
    expect(await readFile(join(home, 'keys', adopted[0]!), 'utf8')).toBe(await readFile(join(home, 'keys', oldKeyName!), 'utf8'))

    // The next run finds the copied key under the new name: no warning, and the same value.
    const got = await runCli(['get', 'api', '--reveal', '--json'], {cwd: after, env, now: LATER})
    expect(got.code, got.stderr).toBe(0)
    expect(json<{value: string}>(got).value).toBe(value)
    expect(got.stderr).not.toMatch(/found the key of file store/)
    const rotated = await runCli(['rotate', 'api', '--yes'], {cwd: after, env, now: LATER})
    expect(rotated.code, rotated.stderr).toBe(0)
    expect(rotated.stderr).not.toMatch(/found the key of file store/)
    expect(await readdir(join(home, 'keys'))).toHaveLength(3)
  })

  it('store rotate-key as the first command after the move: finds the key, then re-encrypts the store', async () => {
    const home = join(root, 'home')
    const {before, after, env} = await project(home)
    const value = json<{value: string}>(await runCli(['get', 'api', '--reveal', '--json'], {cwd: before, env, now: T0})).value
    await rename(before, after)
    const rotated = await runCli(['store', 'rotate-key', 'local', '--yes'], {cwd: after, env, now: LATER})
    expect(rotated.code, rotated.stderr).toBe(0)
    expect(flat(rotated.stderr)).toMatch(/found the key of file store local/)
    const keys = await readdir(join(home, 'keys'))
    expect(keys).toHaveLength(2)
    const texts = await Promise.all(keys.map((k) => readFile(join(home, 'keys', k), 'utf8')))
    expect(texts[0]).not.toBe(texts[1]) // the new path's key was rotated; the old path's file is left as it was
    const got = await runCli(['get', 'api', '--reveal', '--json'], {cwd: after, env, now: LATER})
    expect(got.code, got.stderr).toBe(0)
    expect(json<{value: string}>(got).value).toBe(value)
  })

  it('a v1 store file moved with its project: finds its key by the v1 envelope, copies it, then migrates the store', async () => {
    const home = join(root, 'home')
    const {before, after, env} = await project(home)
    const [oldKeyName] = await readdir(join(home, 'keys'))
    const key = Buffer.from((await readFile(join(home, 'keys', oldKeyName!), 'utf8')).trim(), 'base64')
    expect(key).toHaveLength(32)
    // The store as rotor 0.x left it: one encrypted JSON file, sealed with the default key of its old path.
    const v1 = seal(
      JSON.stringify({
        format: 1,
        secrets: {
          api: {
            labels: {'managed-by': 'rotor'},
            meta: {promotedAt: T0, promotedVersion: '1'},
            versions: [{id: '1', createdAt: T0, role: 'current', enabled: true, destroyed: false, rotationId: 'rot-1', value: 'v1-moved-value-cccc'}],
            nextVersion: 2,
          },
        },
      }),
      key,
    )
    await rm(join(before, '.rotor/secrets.enc'))
    await writeFile(join(before, '.rotor/secrets.enc'), v1, {mode: 0o600})

    await rename(before, after)
    const got = await runCli(['get', 'api', '--reveal', '--json'], {cwd: after, env, now: LATER})
    expect(got.code, got.stderr + got.stdout).toBe(0)
    expect(json<{value: string}>(got).value).toBe('v1-moved-value-cccc')
    expect(flat(got.stderr)).toMatch(KEY_FOUND)
    expect(flat(got.stderr)).toMatch(/migrated file store local \(.*renamed.*\) from a v1 file to the v2 database \(1 secrets, same key\)/)
    expect(await readFile(join(after, '.rotor/secrets.enc.v1.bak'), 'utf8')).toBe(v1)
    const keys = await readdir(join(home, 'keys'))
    expect(keys).toHaveLength(2)
    expect(keys).toContain(oldKeyName)

    // The next run opens the migrated store with the copied key: no search, same value.
    const again = await runCli(['get', 'api', '--reveal', '--json'], {cwd: after, env, now: LATER})
    expect(again.code, again.stderr).toBe(0)
    expect(json<{value: string}>(again).value).toBe('v1-moved-value-cccc')
    expect(again.stderr).not.toMatch(/found the key of file store|migrated file store/)
  })

  it('never overrides an explicit key: a wrong ROTOR_FILE_KEY or a missing keyFile still fails, nothing copied', async () => {
    const home = join(root, 'home')
    const {before, after, env} = await project(home)
    await rename(before, after)
    const wrong = await runCli(['status', '--json'], {cwd: after, env: {...env, ROTOR_FILE_KEY: Buffer.alloc(32, 9).toString('base64')}, now: LATER})
    expect(wrong.code).not.toBe(0)
    expect(wrong.stderr + wrong.stdout).toMatch(/key does not match/)
    await writeFile(join(after, 'rotor.yaml'), CONFIG.replace('path: .rotor/secrets.enc', 'path: .rotor/secrets.enc\n    keyFile: keys/local.key'))
    const missing = await runCli(['status', '--json'], {cwd: after, env, now: LATER})
    expect(missing.code).not.toBe(0)
    expect(missing.stderr + missing.stdout).toMatch(/exists but its key was not found/)
    expect(await readdir(join(home, 'keys'))).toHaveLength(1)
  })

  it('never tries the old keys on a new store: a new store at a new path gets a key of its own', async () => {
    const home = join(root, 'home')
    const {before} = await project(home)
    const [oldKeyName] = await readdir(join(home, 'keys'))
    const fresh = join(root, 'fresh')
    await mkdir(fresh)
    await writeFile(join(fresh, 'rotor.yaml'), CONFIG)
    const created = await runCli(['apply', '--yes'], {cwd: fresh, env: {ROTOR_HOME: home}, now: T0})
    expect(created.code, created.stderr).toBe(0)
    expect(created.stderr).not.toMatch(/found the key of file store/)
    expect(flat(created.stderr)).toMatch(/created the key of file store local/)
    const keys = await readdir(join(home, 'keys'))
    expect(keys).toHaveLength(2)
    const texts = await Promise.all(keys.map((k) => readFile(join(home, 'keys', k), 'utf8')))
    expect(texts[0]).not.toBe(texts[1])
    expect(keys).toContain(oldKeyName)
    expect(await readdir(before)).toContain('.rotor')
  })
})
