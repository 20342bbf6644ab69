import {existsSync} from 'node:fs'
import {chmod, chown, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile} from 'node:fs/promises'
import {randomBytes} from 'node:crypto'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {fileFactory} from '../../../providers/file/factory.js'
import {userKeyFile} from '../../../providers/file/key.js'
import {openBlob, seal, sealBlob} from '../../../providers/file/crypto.js'
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

  it('keeps values, paths, labels and meta encrypted at rest, in the database, its WAL and its shared memory', async () => {
    const client = await open()
    await client.writeVersion('payments/api-key', new SecretValue('plain-text-marker-123'), {rotationId: 'rotation-marker-9', stage: 'current', labels: {team: 'label-marker-7'}})
    await client.setMeta('payments/api-key', {promotedAt: 'meta-marker-5'})
    // The client is still open: the WAL and the shared-memory file exist and hold the last writes.
    const files = ['', '-wal', '-shm'].map((suffix) => join(dir, `.rotor/secrets.enc${suffix}`))
    expect(files.map((f) => existsSync(f))).toEqual([true, true, true])
    const raw = Buffer.concat(await Promise.all(files.map((f) => readFile(f))))
    expect(raw.subarray(0, 16).toString('latin1')).toBe('SQLite format 3\u0000')
    for (const marker of ['plain-text-marker-123', 'payments/api-key', 'payments', 'api-key', 'rotation-marker-9', 'label-marker-7', 'meta-marker-5', 'managed-by']) {
      expect(raw.includes(Buffer.from(marker)), marker).toBe(false)
      expect(raw.includes(Buffer.from(marker, 'utf16le')), marker).toBe(false)
      expect(raw.includes(Buffer.from(Buffer.from(marker).toString('base64').slice(0, 12))), marker).toBe(false)
    }
    await client.close()
  })

  it('seals every blob under a fresh IV: IVs drawn from a pool never repeat, across pools too', () => {
    const key = randomBytes(32)
    const aad = Buffer.from('row')
    const ivs = new Set<string>()
    // Several pools of IVs (IV_POOL = 256 a pool) and the seam between them.
    for (let i = 0; i < 1000; i++) {
      const blob = sealBlob(Buffer.from(`plain ${i}`), key, aad)
      ivs.add(blob.subarray(0, 12).toString('hex'))
      expect(openBlob(blob, key, aad)?.toString()).toBe(`plain ${i}`)
    }
    expect(ivs.size).toBe(1000)
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

  describe('key file hardening (issue 13, item 8)', () => {
    const settings = (keyFile: string) => fileFactory.settings.parse({keyFile})
    const openWith = (keyFile: string) => fileFactory.create('local', settings(keyFile), {baseDir: dir, env: {}, now: () => new Date()})
    const plantKey = async (folder: string, mode = 0o700) => {
      await mkdir(folder, {recursive: true, mode})
      await chmod(folder, mode)
      const file = join(folder, 'store.key')
      await writeFile(file, randomBytes(32).toString('base64'), {mode: 0o600})
      return file
    }

    it('refuses a key file that is a symbolic link', async () => {
      const real = await plantKey(join(dir, 'real'))
      await symlink(real, join(dir, 'real', 'link.key'))
      await expect(openWith(join(dir, 'real', 'link.key'))).rejects.toMatchObject({code: 'AUTH', message: expect.stringContaining('is a symbolic link')})
    })

    it('refuses a key file in a folder others can write', async () => {
      const file = await plantKey(join(dir, 'open-folder'), 0o777)
      await expect(openWith(file)).rejects.toMatchObject({code: 'AUTH', message: expect.stringContaining('can be written by other users'), hint: expect.stringContaining('chmod go-w')})
      await chmod(join(dir, 'open-folder'), 0o770)
      await expect(openWith(file)).rejects.toMatchObject({code: 'AUTH'})
      await chmod(join(dir, 'open-folder'), 0o700)
      await expect(openWith(file)).resolves.toBeDefined()
    })

    it.skipIf(typeof process.getuid !== 'function' || process.getuid() !== 0)('refuses a key file owned by another user', async () => {
      const file = await plantKey(join(dir, 'theirs'))
      await chown(file, 65534, 65534)
      await expect(openWith(file)).rejects.toMatchObject({code: 'AUTH', message: expect.stringContaining('owned by another user')})
    })

    it('refuses to create a new key in a folder others can write, and writes nothing there', async () => {
      await mkdir(join(dir, 'shared'), {mode: 0o777})
      await chmod(join(dir, 'shared'), 0o777)
      const client = await openWith(join(dir, 'shared', 'new.key'))
      await expect(client.writeVersion('a', new SecretValue('v'), {rotationId: 'r1', stage: 'current'})).rejects.toMatchObject({code: 'AUTH'})
      expect(existsSync(join(dir, 'shared', 'new.key'))).toBe(false)
    })

    it('refuses a v1 store whose GCM tag is shorter than 16 bytes (a forgery GCM checks only in part)', async () => {
      const key = randomBytes(32)
      await mkdir(join(dir, '.rotor'), {mode: 0o700})
      const envelope = JSON.parse(seal(JSON.stringify({format: 1, secrets: {}}), key)) as {tag: string}
      const short = {...envelope, tag: Buffer.from(envelope.tag, 'base64').subarray(0, 4).toString('base64')}
      await writeFile(join(dir, '.rotor/secrets.enc'), JSON.stringify(short), {mode: 0o600})
      const client = await open({ROTOR_FILE_KEY: key.toString('base64')})
      await expect(client.describe('a')).rejects.toMatchObject({code: 'AUTH'})
      // The full tag opens it (and migrates it).
      await writeFile(join(dir, '.rotor/secrets.enc'), JSON.stringify(envelope), {mode: 0o600})
      expect((await (await open({ROTOR_FILE_KEY: key.toString('base64')})).describe('a')).exists).toBe(false)
    })
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
