import {mkdtemp, mkdir, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {fileFactory} from '../../providers/file/factory.js'
import {runCli, spawnCli} from '../support/cli.js'

/**
 * Several rotor processes share one file store (different configs, so different run locks):
 * the store's own lock must keep every write, and a process killed mid-write must never leave a
 * store that cannot be read.
 */
describe('file store shared by processes', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-procs-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  const storeSettings = () => fileFactory.settings.parse({path: join(dir, 'shared.enc'), keyFile: join(dir, 'shared.key')})

  async function writeConfig(name: string, secrets: string[]): Promise<string> {
    const sub = join(dir, name)
    await mkdir(sub)
    const body = secrets.map((s) => `  ${s}:\n    maxAge: 30d\n    targets: [shared:${s}]\n`).join('')
    await writeFile(join(sub, 'rotor.yaml'), `version: 1\nstores:\n  shared:\n    type: file\n    path: ../shared.enc\n    keyFile: ../shared.key\nsecrets:\n${body}`)
    return sub
  }

  it('keeps every secret when four processes create secrets at the same time', async () => {
    // The key must exist before the race, as it would after `rotor init` and a first run.
    const seed = await fileFactory.create('shared', storeSettings(), {baseDir: dir, env: {}, now: () => new Date()})
    await seed.list('')
    const dirs = await Promise.all([0, 1, 2, 3].map((p) => writeConfig(`p${p}`, [0, 1, 2, 3, 4].map((i) => `p${p}-s${i}`))))
    const results = await Promise.all(dirs.map((cwd) => runCli(['apply', '--yes', '--json'], {cwd})))
    for (const r of results) expect(r.code, r.stderr).toBe(0)
    const client = await fileFactory.create('shared', storeSettings(), {baseDir: dir, env: {}, now: () => new Date()})
    expect((await client.list('')).sort()).toHaveLength(20)
  })

  it('stays readable when a writer is killed at random moments', async () => {
    const client = await fileFactory.create('shared', storeSettings(), {baseDir: dir, env: {}, now: () => new Date()})
    await client.list('')
    const cwd = await writeConfig('killer', Array.from({length: 40}, (_, i) => `k${i}`))
    for (const delayMs of [150, 300, 450, 600]) {
      // The same user directory as the final run's: a writer killed after its first audit entry
      // leaves a keyed log whose key the next run must find.
      const child = spawnCli(['apply', '--yes', '--json'], {cwd, stdio: 'ignore'})
      await new Promise((resolve) => setTimeout(resolve, delayMs))
      child.kill('SIGKILL')
      await new Promise((resolve) => child.on('close', resolve))
      const paths = await client.list('')
      for (const p of paths) expect((await client.describe(p)).exists).toBe(true)
    }
    // A full run afterwards completes the rest (it takes over the dead process's locks).
    const finish = await runCli(['apply', '--yes', '--json'], {cwd})
    expect(finish.code, `${finish.stdout}\n${finish.stderr}`).toBe(0)
    expect(await client.list('')).toHaveLength(40)
  })
})
