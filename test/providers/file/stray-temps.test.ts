/**
 * Issue 17: a kill during a file-store write leaves `secrets.enc.tmp-<pid>-<hex>` next to the
 * store. The next writer removes those of dead writers (or very old ones) and says so.
 */
import {spawnSync} from 'node:child_process'
import {access, mkdir, mkdtemp, readdir, rm, utimes, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {fileFactory} from '../../../providers/file/factory.js'
import {SecretValue} from '../../../providers/types.js'
import {STRAY_TEMP_MAX_AGE_MS} from '../../../src/util/atomic-write.js'
import {runCli} from '../../support/cli.js'

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid as number

async function plant(path: string, ageMs: number): Promise<string> {
  await writeFile(path, 'partial')
  const then = new Date(Date.now() - ageMs)
  await utimes(path, then, then)
  return path
}

describe('file store: temp files of writers killed mid-write', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-file-temps-'))
    await mkdir(join(dir, '.rotor'), {mode: 0o700})
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('the next writer removes those of dead writers and very old ones, and keeps the rest', async () => {
    const store = join(dir, '.rotor/secrets.enc')
    const dead = await plant(`${store}.tmp-${deadPid()}-0a0b0c0d`, 60_000)
    // Dated ahead, so that no slowness of the machine can age it past the threshold before the write.
    const deadButFresh = await plant(`${store}.tmp-${deadPid()}-1a1b1c1d`, -3_600_000)
    const liveWriter = await plant(`${store}.tmp-${process.ppid}-2a2b2c2d`, 60_000)
    const ancient = await plant(`${store}.tmp-${process.ppid}-3a3b3c3d`, STRAY_TEMP_MAX_AGE_MS + 60_000)
    const warnings: string[] = []
    const client = await fileFactory.create('local', fileFactory.settings.parse({}), {baseDir: dir, env: {}, now: () => new Date(), warn: (m) => warnings.push(m)})
    await client.writeVersion('a', new SecretValue('v'), {rotationId: 'r1', stage: 'current'})

    expect(await exists(dead)).toBe(false)
    expect(await exists(ancient)).toBe(false)
    expect(await exists(deadButFresh)).toBe(true)
    expect(await exists(liveWriter)).toBe(true)
    // The store is new, so its key is created too (and said once); count the removals.
    const removals = warnings.filter((w) => w.includes('removed'))
    expect(removals).toHaveLength(2)
    expect(removals).toEqual(expect.arrayContaining([expect.stringContaining(`removed ${ancient}`), expect.stringContaining(`removed ${dead}`)]))
  })

  it('through the built CLI: apply removes a stray temp file and says so', async () => {
    expect((await runCli(['init'], {cwd: dir})).code).toBe(0)
    const stray = await plant(join(dir, `.rotor/secrets.enc.tmp-${deadPid()}-deadbeef`), 60_000)
    const run = await runCli(['apply', '--yes'], {cwd: dir})
    expect(run.code, run.stderr).toBe(0)
    expect(await exists(stray)).toBe(false)
    expect(run.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')).toMatch(/removed \S+secrets\.enc\.tmp-\d+-deadbeef, left by a write that was cut off/)
    expect((await readdir(join(dir, '.rotor'))).filter((n) => n.includes('.tmp-'))).toEqual([])
  })
})
