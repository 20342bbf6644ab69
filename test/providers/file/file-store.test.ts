import {chmod, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {randomBytes} from 'node:crypto'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {fileFactory} from '../../../providers/file/factory.js'
import {SecretValue, type StoreClient} from '../../../providers/types.js'
import {AuthError} from '../../../src/errors/index.js'

describe('file store: encryption, key handling, atomic writes', () => {
  let dir: string
  const open = (env: NodeJS.ProcessEnv = {}): Promise<StoreClient> =>
    fileFactory.create('local', fileFactory.settings.parse({}), {baseDir: dir, env, now: () => new Date()})

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-filestore-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('keeps values and paths encrypted at rest', async () => {
    const client = await open()
    await client.writeVersion('payments/api-key', new SecretValue('plain-text-marker-123'), {rotationId: 'r1', stage: 'current'})
    const raw = await readFile(join(dir, '.rotor/secrets.enc'), 'utf8')
    expect(raw).not.toContain('plain-text-marker-123')
    expect(raw).not.toContain('payments/api-key')
    expect(JSON.parse(raw)).toMatchObject({format: 'rotor-file-store', cipher: 'aes-256-gcm'})
  })

  it('creates the key file with mode 0600 in a 0700 directory', async () => {
    const client = await open()
    await client.writeVersion('a', new SecretValue('v'), {rotationId: 'r1', stage: 'current'})
    expect((await stat(join(dir, '.rotor/file.key'))).mode & 0o777).toBe(0o600)
    expect((await stat(join(dir, '.rotor'))).mode & 0o777).toBe(0o700)
    expect((await stat(join(dir, '.rotor/secrets.enc'))).mode & 0o777).toBe(0o600)
  })

  it('refuses a key file that other users can read', async () => {
    await (await open()).writeVersion('a', new SecretValue('v'), {rotationId: 'r1', stage: 'current'})
    await chmod(join(dir, '.rotor/file.key'), 0o644)
    const error = await open().catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuthError)
    expect((error as AuthError).hint).toContain('chmod 600')
  })

  it('uses ROTOR_FILE_KEY over the key file, and rejects a wrong key without touching the store', async () => {
    const key = randomBytes(32).toString('base64')
    const client = await open({ROTOR_FILE_KEY: key})
    await client.writeVersion('a', new SecretValue('v'), {rotationId: 'r1', stage: 'current'})
    const before = await readFile(join(dir, '.rotor/secrets.enc'), 'utf8')
    const wrong = await open({ROTOR_FILE_KEY: randomBytes(32).toString('base64')})
    await expect(wrong.describe('a')).rejects.toThrow(/key does not match/)
    await expect(wrong.writeVersion('b', new SecretValue('w'), {rotationId: 'r2', stage: 'current'})).rejects.toBeInstanceOf(AuthError)
    expect(await readFile(join(dir, '.rotor/secrets.enc'), 'utf8')).toBe(before)
    await expect(open({ROTOR_FILE_KEY: 'too-short'})).rejects.toThrow(/32 bytes/)
  })

  it('refuses to invent a new key for an existing store', async () => {
    await (await open()).writeVersion('a', new SecretValue('v'), {rotationId: 'r1', stage: 'current'})
    await rm(join(dir, '.rotor/file.key'))
    await expect(open()).rejects.toThrow(/exists but its key was not found/)
  })

  it('ignores a temp file left by a crash before the rename', async () => {
    const client = await open()
    await client.writeVersion('a', new SecretValue('v'), {rotationId: 'r1', stage: 'current'})
    await writeFile(join(dir, '.rotor/secrets.enc.tmp-999-deadbeef'), 'half a fi')
    expect((await client.readValue('a', {role: 'current'})).reveal()).toBe('v')
  })

  it('serialises writers that share the file: no update is lost', async () => {
    const clients = await Promise.all([open(), open(), open()])
    await Promise.all(
      clients.flatMap((c, i) =>
        Array.from({length: 10}, (_, j) => c.writeVersion(`s${i}-${j}`, new SecretValue(`v${i}${j}`), {rotationId: 'r', stage: 'current'})),
      ),
    )
    expect(await clients[0].list('')).toHaveLength(30)
  })
})
