/**
 * The AWS adapter's promises beyond the shared suite: retried writes are no-ops, a label moved by
 * someone else fails promote cleanly and the next run recovers, unowned secrets are refused, and
 * many reads go through BatchGetSecretValue 20 at a time.
 */
import {CreateSecretCommand, DescribeSecretCommand, PutSecretValueCommand} from '@aws-sdk/client-secrets-manager'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ConflictError, NotFoundError, NotOwnedError, UnavailableError} from '../../../src/errors/index.js'
import {retry} from '../../../src/util/retry.js'
import {SecretValue} from '../../../providers/types.js'
import {type AwsFixture, startAwsFixture} from '../../emulators/aws/fixture.js'

const value = (text: string) => new SecretValue(text)
const noSleep = {sleep: async () => {}, random: () => 0}

describe('AWS store: rotation safety', () => {
  let fx: AwsFixture
  beforeAll(async () => {
    fx = await startAwsFixture()
  })
  afterAll(async () => fx.close())

  async function seeded(path: string) {
    const v0 = await fx.client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current'})
    return v0.id
  }

  it('treats a write retried after a lost answer as a no-op returning the same version', async () => {
    const path = 'retry/create'
    // CreateSecret is applied, but the connection drops before the answer arrives.
    fx.emulator.faults.failNext('CreateSecret', 'drop-response')
    const first = await fx.client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current'}).catch((e: unknown) => e)
    expect(first).toBeInstanceOf(UnavailableError)
    expect((first as UnavailableError).retryable).toBe(true)
    const created = await fx.client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current'})

    fx.emulator.faults.failNext('PutSecretValue', 'drop-response')
    const options = {rotationId: 'rot-1', stage: 'pending' as const, expectedCurrent: created.id}
    const staged = await retry(() => fx.client.writeVersion(path, value('v1'), options), undefined, noSleep)
    const again = await fx.client.writeVersion(path, value('v1'), options)
    expect(again.id).toBe(staged.id)
    expect(staged.rotationId).toBe('rot-1')
    const snapshot = await fx.client.describe(path)
    expect(snapshot.versions.map((v) => [v.rotationId, v.role])).toEqual([
      ['rot-1', 'pending'],
      ['rot-0', 'current'],
    ])
  })

  it('refuses the same rotation id with another value as a conflict, not an overwrite', async () => {
    const path = 'retry/conflict'
    const current = await seeded(path)
    await fx.client.writeVersion(path, value('mine'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: current})
    const attempt = fx.client.writeVersion(path, value('different'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: current})
    await expect(attempt).rejects.toBeInstanceOf(ConflictError)
    expect((await fx.client.readValue(path, {role: 'pending'})).reveal()).toBe('mine')
  })

  it('fails promote cleanly when another writer moved AWSCURRENT in the window, and the next run recovers', async () => {
    const path = 'cas/window'
    const current = await seeded(path)
    const staged = await fx.client.writeVersion(path, value('ours'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: current})
    let sneakyId: string | undefined
    // Someone else rotates between rotor's read and its label move: only the server-side CAS can see it.
    fx.emulator.beforeOperation = (operation, body) => {
      if (operation !== 'UpdateSecretVersionStage' || body.VersionStage !== 'AWSCURRENT' || sneakyId) return
      sneakyId = 'someone-else-version-0000000000000001'
      const secret = fx.emulator.state.require(path)
      fx.emulator.state.addVersion(secret, sneakyId, {secretString: 'theirs'}, ['AWSCURRENT'])
    }
    try {
      const error = await fx.client.promote(path, {rotationId: 'rot-1', versionId: staged.id, expectedCurrent: current}).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConflictError)
      expect((error as ConflictError).retryable).toBe(false)
    } finally {
      fx.emulator.beforeOperation = undefined
    }
    // A fresh look shows exactly what happened, and nothing of ours became current.
    const after = await fx.client.describe(path)
    const role = (id: string) => after.versions.find((v) => v.id === id)?.role
    expect(role(sneakyId!)).toBe('current')
    expect(role(staged.id)).toBe('pending')
    expect(role(current)).toBe('previous')
    expect((await fx.client.readValue(path, {role: 'current'})).reveal()).toBe('theirs')

    // The next run starts from what it sees: a new rotation against the new current.
    const retried = await fx.client.writeVersion(path, value('ours-again'), {rotationId: 'rot-2', stage: 'pending', expectedCurrent: sneakyId})
    await fx.client.promote(path, {rotationId: 'rot-2', versionId: retried.id, expectedCurrent: sneakyId})
    const recovered = await fx.client.describe(path)
    const byRole = (r: string) => recovered.versions.filter((v) => v.role === r).map((v) => v.id)
    expect(byRole('current')).toEqual([retried.id])
    expect(byRole('previous')).toEqual([sneakyId])
    expect(byRole('pending')).toEqual([])
    expect((await fx.client.readValue(path, {role: 'current'})).reveal()).toBe('ours-again')
  })

  it('fails promote before any change when the label already moved, and promote stays idempotent', async () => {
    const path = 'cas/before'
    const current = await seeded(path)
    const staged = await fx.client.writeVersion(path, value('ours'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: current})
    await fx.raw.send(new PutSecretValueCommand({SecretId: path, SecretString: 'theirs', ClientRequestToken: 'other-tool-token-000000000000000001'}))
    const moves = fx.emulator.calls.UpdateSecretVersionStage ?? 0
    await expect(fx.client.promote(path, {rotationId: 'rot-1', versionId: staged.id, expectedCurrent: current})).rejects.toBeInstanceOf(ConflictError)
    expect(fx.emulator.calls.UpdateSecretVersionStage ?? 0).toBe(moves)

    const path2 = 'cas/idempotent'
    const current2 = await seeded(path2)
    const staged2 = await fx.client.writeVersion(path2, value('next'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: current2})
    // The label moved but the crash came before AWSPENDING was removed: promote finishes the job.
    fx.emulator.faults.failNext('UpdateSecretVersionStage', 'drop-response')
    await expect(fx.client.promote(path2, {rotationId: 'rot-1', versionId: staged2.id, expectedCurrent: current2})).rejects.toBeInstanceOf(UnavailableError)
    await fx.client.promote(path2, {rotationId: 'rot-1', versionId: staged2.id, expectedCurrent: current2})
    const stages = (await fx.raw.send(new DescribeSecretCommand({SecretId: path2}))).VersionIdsToStages
    expect(stages?.[staged2.id]).toEqual(['AWSCURRENT'])
    expect(stages?.[current2]).toEqual(['AWSPREVIOUS'])
  })

  it('refuses every change to a secret without the ownership tag until it is adopted', async () => {
    const path = 'owner/foreign'
    const created = await fx.raw.send(new CreateSecretCommand({Name: path, SecretString: 'theirs', ClientRequestToken: 'foreign-version-000000000000000000001'}))
    const current = created.VersionId!
    const puts = fx.emulator.calls.PutSecretValue ?? 0
    await expect(fx.client.writeVersion(path, value('ours'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: current})).rejects.toBeInstanceOf(
      NotOwnedError,
    )
    await expect(fx.client.setMeta(path, {promotedAt: '2026-01-01T00:00:00.000Z'})).rejects.toBeInstanceOf(NotOwnedError)
    await expect(fx.client.retire(path, current, 'disable')).rejects.toBeInstanceOf(NotOwnedError)
    expect(fx.emulator.calls.PutSecretValue ?? 0).toBe(puts)
    const notOwned = await fx.client
      .writeVersion(path, value('ours'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: current})
      .then(() => undefined, (e: NotOwnedError) => e)
    expect(notOwned?.hint).toMatch(/adopt/)

    await fx.client.adopt(path)
    const tags = (await fx.raw.send(new DescribeSecretCommand({SecretId: path}))).Tags
    expect(tags).toContainEqual({Key: 'managed-by', Value: 'rotor'})
    await expect(fx.client.writeVersion(path, value('ours'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: current})).resolves.toMatchObject({
      role: 'pending',
    })
  })

  it('reads many secrets through BatchGetSecretValue, 20 per call, in input order', async () => {
    const paths = Array.from({length: 45}, (_, i) => `batch/s${String(i).padStart(2, '0')}`)
    for (const p of paths) await fx.raw.send(new CreateSecretCommand({Name: p, SecretString: `value-of-${p}`}))
    const wanted = [...paths.slice(0, 30), 'batch/missing', ...paths.slice(30)].reverse()
    const before = fx.emulator.calls.BatchGetSecretValue ?? 0
    const gets = fx.emulator.calls.GetSecretValue ?? 0
    const results = await fx.client.readMany(wanted)
    expect((fx.emulator.calls.BatchGetSecretValue ?? 0) - before).toBe(3)
    expect(fx.emulator.calls.GetSecretValue ?? 0).toBe(gets)
    expect(results.map((r) => r.path)).toEqual(wanted)
    for (const r of results.filter((r) => r.path !== 'batch/missing')) expect(r.value?.reveal()).toBe(`value-of-${r.path}`)
    expect(results.find((r) => r.path === 'batch/missing')?.error).toBeInstanceOf(NotFoundError)
  })

  it('retires by removing labels: the version is reported retired and cannot be read', async () => {
    const path = 'retire/a'
    const v0 = await seeded(path)
    const v1 = await fx.client.writeVersion(path, value('v1'), {rotationId: 'rot-1', stage: 'current', expectedCurrent: v0})
    await fx.client.retire(path, v0, 'disable')
    const snapshot = await fx.client.describe(path)
    expect(snapshot.versions.find((v) => v.id === v0)).toMatchObject({role: 'retired', enabled: false, destroyed: false, rotationId: 'rot-0'})
    expect(snapshot.versions.find((v) => v.id === v1.id)).toMatchObject({role: 'current', enabled: true})
    await expect(fx.client.readValue(path, {versionId: v0})).rejects.toBeInstanceOf(NotFoundError)
    await expect(fx.client.retire(path, v1.id, 'destroy')).rejects.toThrow(/cannot destroy/)
  })

  it('keeps meta in rotor:-prefixed tags, apart from labels', async () => {
    const path = 'meta/a'
    await fx.client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current', labels: {team: 'payments'}, meta: {rotationId: 'rot-0'}})
    await fx.client.setMeta(path, {rotationId: undefined, promotedAt: '2026-01-01T00:00:00.000Z'})
    const tags = (await fx.raw.send(new DescribeSecretCommand({SecretId: path}))).Tags ?? []
    expect(tags.map((t) => t.Key).sort()).toEqual(['managed-by', 'rotor:promotedAt', 'team'])
    const snapshot = await fx.client.describe(path)
    expect(snapshot.meta).toEqual({promotedAt: '2026-01-01T00:00:00.000Z'})
    expect(snapshot.labels).toEqual({team: 'payments', 'managed-by': 'rotor'})
  })

  it('lists past one page of ListSecrets', async () => {
    for (let i = 0; i < 105; i++) await fx.raw.send(new CreateSecretCommand({Name: `many/s${String(i).padStart(3, '0')}`, SecretString: 'x'}))
    await fx.raw.send(new CreateSecretCommand({Name: 'manyother/s', SecretString: 'x'}))
    const listed = await fx.client.list('many/')
    expect(listed).toHaveLength(105)
    expect(listed[0]).toBe('many/s000')
  })
})
