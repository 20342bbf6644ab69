/**
 * A project folder moved (or renamed) with its audit log: the log's default key file is named
 * after the log's absolute path, and before this fix the moved log was refused ("keyed, but its
 * audit key ... is missing") although the key was still in the user's directory.
 */
import {mkdir, mkdtemp, readdir, rename, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
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
