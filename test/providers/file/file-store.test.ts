import {existsSync} from 'node:fs'
import {chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {randomBytes} from 'node:crypto'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {fileFactory} from '../../../providers/file/factory.js'
import {userKeyFile} from '../../../providers/file/key.js'
import {SecretValue, type StoreClient} from '../../../providers/types.js'
import {AuthError} from '../../../src/errors/index.js'

describe('file store: encryption, key handling, atomic writes', () => {
  let dir: string
  const userDir = () => join(dir, 'user')
  const keyFile = () => userKeyFile({storeFile: join(dir, '.rotor/secrets.enc'), storeName: 'local', env: {ROTOR_HOME: userDir()}})
  const open = (env: NodeJS.ProcessEnv = {}, warn?: (message: string) => void): Promise<StoreClient> =>
    fileFactory.create('local', fileFactory.settings.parse({}), {baseDir: dir, env: {ROTOR_HOME: userDir(), ...env}, now: () => new Date(), warn})

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

  it('creates the key file with mode 0600 in a 0700 directory apart from the store, and says so once', async () => {
    const warnings: string[] = []
    const client = await open({}, (message) => warnings.push(message))
    await client.writeVersion('a', new SecretValue('v'), {rotationId: 'r1', stage: 'current'})
    await client.writeVersion('b', new SecretValue('w'), {rotationId: 'r2', stage: 'current'})
    expect((await stat(keyFile())).mode & 0o777).toBe(0o600)
    expect((await stat(join(userDir(), 'keys'))).mode & 0o777).toBe(0o700)
    expect(existsSync(join(dir, '.rotor/file.key'))).toBe(false)
    expect((await stat(join(dir, '.rotor'))).mode & 0o777).toBe(0o700)
    expect((await stat(join(dir, '.rotor/secrets.enc'))).mode & 0o777).toBe(0o600)
    expect(warnings).toEqual([expect.stringContaining(`created the key of file store local at ${keyFile()}: back it up`)])
  })

  it('reads a store that does not exist yet as empty, without creating a key', async () => {
    const client = await open()
    expect(await client.describe('a')).toMatchObject({exists: false})
    expect(await client.list('')).toEqual([])
    expect(existsSync(keyFile())).toBe(false)
    expect(existsSync(join(dir, '.rotor/file.key'))).toBe(false)
  })

  it('keeps using a key in the old default place, .rotor/file.key, and creates none in the user directory', async () => {
    const key = randomBytes(32)
    await mkdir(join(dir, '.rotor'), {mode: 0o700})
    await writeFile(join(dir, '.rotor/file.key'), key.toString('base64'), {mode: 0o600})
    await (await open()).writeVersion('a', new SecretValue('v'), {rotationId: 'r1', stage: 'current'})
    expect(existsSync(keyFile())).toBe(false)
    const reopened = await open({ROTOR_FILE_KEY: key.toString('base64')})
    expect((await reopened.readValue('a', {role: 'current'})).reveal()).toBe('v')
  })

  it('refuses a key file that other users can read', async () => {
    await (await open()).writeVersion('a', new SecretValue('v'), {rotationId: 'r1', stage: 'current'})
    await chmod(keyFile(), 0o644)
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
    await rm(keyFile())
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
