import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {fileFactory} from '../../../providers/file/factory.js'
import {SecretValue} from '../../../providers/types.js'

describe('file store: a missing store file', () => {
  let dir: string
  const auditPath = () => join(dir, 'audit.log')
  const open = (extra: {createMissing?: boolean} = {}) =>
    fileFactory.create('local', fileFactory.settings.parse({}), {baseDir: dir, env: {}, now: () => new Date(), auditPath: auditPath(), ...extra})

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-file-lost-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('is an empty store when the audit log has no entry for the store (a new store)', async () => {
    await writeFile(auditPath(), `${JSON.stringify({seq: 1, secret: 'api', target: 'other:api', action: 'create', outcome: 'ok'})}\n`)
    const client = await open()
    expect((await client.describe('api')).exists).toBe(false)
  })

  it('is an error naming the way back when the audit log records changes to the store', async () => {
    await writeFile(auditPath(), `not json\n${JSON.stringify({seq: 1, secret: 'api', target: 'local:api', action: 'create', outcome: 'ok'})}\n`)
    const client = await open()
    await expect(client.describe('api')).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('is missing, but the audit log'),
      hint: expect.stringContaining('rotor restore'),
    })
    await expect(client.writeVersion('api', new SecretValue('x'.repeat(32)), {rotationId: 'rot-1', stage: 'current'})).rejects.toMatchObject({code: 'NOT_FOUND'})
  })

  it('is written anew when the operator asked (restore, apply --recreate)', async () => {
    await writeFile(auditPath(), `${JSON.stringify({seq: 1, secret: 'api', target: 'local:api', action: 'create', outcome: 'ok'})}\n`)
    const client = await open({createMissing: true})
    expect((await client.describe('api')).exists).toBe(false)
    await client.writeVersion('api', new SecretValue('x'.repeat(32)), {rotationId: 'rot-1', stage: 'current'})
    expect((await (await open()).describe('api')).exists).toBe(true)
  })
})
