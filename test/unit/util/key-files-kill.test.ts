/**
 * A process killed while it creates a key file (the file store's or the audit log's) must leave
 * no key file or the whole one. An empty key file left by a kill between creating and filling it
 * made the store (or the log) unopenable for every later run: "key file ... must hold 32 bytes".
 */
import {spawn} from 'node:child_process'
import {access, mkdir, mkdtemp, readdir, readFile, rm, unlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {transpileClosure} from '../audit/helpers.js'

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  )
const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('key files created by a process killed at any moment', () => {
  let dir: string
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-key-kill-'))
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  const cases = [
    {
      name: 'file store key',
      entry: 'providers/file/key.ts',
      create: 'await mod.writeNewKeyFile(file, randomBytes(32))',
      whole: (text: string) => Buffer.from(text.trim(), 'base64').length === 32 && text.endsWith('\n'),
    },
    {
      name: 'audit key',
      entry: 'src/audit/key.ts',
      create: "await mod.createAuditKey(join(dirname(file), 'audit.log'), {keyFile: file, env: {}})",
      whole: (text: string) => text.trim().length >= 32 && text.endsWith('\n'),
    },
  ]

  for (const c of cases) {
    it(`${c.name}: no file, or the whole key`, async () => {
      const out = join(dir, c.name.replace(/ /g, '-'))
      await mkdir(out, {recursive: true})
      const mod = await transpileClosure(c.entry, out)
      const script = join(out, 'creator.mjs')
      const file = join(out, 'keys', 'the.key')
      await writeFile(
        script,
        `import {randomBytes} from 'node:crypto'\nimport {mkdir, unlink} from 'node:fs/promises'\nimport {dirname, join} from 'node:path'\n` +
          `const mod = await import(${JSON.stringify(mod)})\n` +
          'const file = process.argv[2]\n' +
          'await mkdir(dirname(file), {recursive: true, mode: 0o700})\n' +
          "process.stdout.write('ready\\n')\n" +
          `for (;;) {\n  ${c.create}\n  await unlink(file)\n}\n`,
      )
      for (let round = 0; round < 15; round++) {
        const child = spawn(process.execPath, [script, file], {stdio: ['ignore', 'pipe', 'inherit']})
        await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()))
        await delay(3 + round * 5)
        const closed = new Promise((resolve) => child.on('close', resolve))
        child.kill('SIGKILL')
        await closed
        if (!(await exists(file))) continue
        const text = await readFile(file, 'utf8')
        expect(c.whole(text), `round ${round}: the key file holds ${JSON.stringify(text.length)} characters`).toBe(true)
        await unlink(file)
      }
      // Every round ended in one of the two allowed states; the folder holds at most temp debris.
      for (const name of await readdir(join(out, 'keys'))) expect(name).toMatch(/^the\.key\.tmp-\d+-[0-9a-f]+$/)
    })
  }
})
