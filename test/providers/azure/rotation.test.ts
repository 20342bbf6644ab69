/**
 * Key Vault role mapping through the real SDK against the emulator: the grace window as the
 * previous version's `expiresOn`, retirement as `enabled=false`, ordering within one second,
 * the best-effort expectedCurrent check and recovery of a soft-deleted secret.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ConflictError, InvalidRequestError, NotFoundError, NotOwnedError, UnavailableError} from '../../../src/errors/index.js'
import {retry} from '../../../src/util/retry.js'
import {secretNameFor} from '../../../providers/azure/naming.js'
import {SecretValue} from '../../../providers/types.js'
import {type AzureFixture, startAzureFixture} from '../../emulators/azure/fixture.js'

const value = (text: string) => new SecretValue(text)
const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e)

/** Creates `path` and rotates it `rotations` times, like the engine does on a store without a pending stage. */
async function seed(fx: AzureFixture, path: string, rotations: number) {
  let current = await fx.client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current'})
  const ids = [current.id]
  for (let i = 1; i <= rotations; i++) {
    current = await fx.client.writeVersion(path, value(`v${i}`), {rotationId: `rot-${i}`, stage: 'current', expectedCurrent: current.id})
    ids.push(current.id)
  }
  return ids
}

describe('Azure store: roles through versions, tags and attributes', () => {
  let fx: AzureFixture
  beforeAll(async () => {
    fx = await startAzureFixture()
  })
  afterAll(async () => fx.close())

  const stored = (path: string, versionId: string) => fx.emulator.state.find(secretNameFor(path), versionId).version

  it('sets the previous version to expire at the end of the grace window', async () => {
    const [oldId, newId] = await seed(fx, 'grace/api-key', 1)
    const graceEndsAt = '2031-05-06T07:08:09.000Z'
    await fx.client.setMeta('grace/api-key', {promotedVersion: newId, promotedAt: '2031-05-05T07:08:09.000Z', graceEndsAt})

    // As another tool sees it through the SDK, and as the vault holds it.
    const properties = await fx.raw.getSecret(secretNameFor('grace/api-key'), {version: oldId!})
    expect(properties.properties.expiresOn?.toISOString()).toBe(graceEndsAt)
    expect(stored('grace/api-key', oldId!).exp).toBe(Date.parse(graceEndsAt) / 1000)
    expect(stored('grace/api-key', newId!).exp).toBeUndefined()

    const snapshot = await fx.client.describe('grace/api-key')
    expect(snapshot.meta).toMatchObject({graceEndsAt, promotedVersion: newId})
    expect(snapshot.versions.map((v) => [v.id, v.role])).toEqual([
      [newId, 'current'],
      [oldId, 'previous'],
    ])
    // Key Vault treats exp as information: the previous value stays readable until retired.
    expect((await fx.client.readValue('grace/api-key', {role: 'previous'})).reveal()).toBe('v0')
  })

  it('leaves expiry alone when the meta belongs to an older promotion', async () => {
    const [oldId] = await seed(fx, 'grace/stale', 1)
    await fx.client.setMeta('grace/stale', {promotedVersion: 'not-the-current-one', graceEndsAt: '2031-01-01T00:00:00.000Z'})
    expect(stored('grace/stale', oldId!).exp).toBeUndefined()
  })

  it('retires a version by disabling it; the vault then refuses to read it', async () => {
    const [oldId] = await seed(fx, 'retire/api-key', 1)
    await fx.client.retire('retire/api-key', oldId!, 'disable')
    expect(stored('retire/api-key', oldId!).enabled).toBe(false)
    const direct = await caught(fx.raw.getSecret(secretNameFor('retire/api-key'), {version: oldId!}))
    expect(direct).toMatchObject({statusCode: 403, code: 'Forbidden'})
    expect(await caught(fx.client.readValue('retire/api-key', {versionId: oldId!}))).toBeInstanceOf(NotFoundError)
    const calls = fx.emulator.calls.UpdateSecret ?? 0
    await fx.client.retire('retire/api-key', oldId!, 'disable')
    expect(fx.emulator.calls.UpdateSecret ?? 0).toBe(calls)
  })

  it('refuses to destroy a version: Key Vault has no per-version destroy', async () => {
    const [oldId] = await seed(fx, 'retire/destroy', 1)
    expect(await caught(fx.client.retire('retire/destroy', oldId!, 'destroy'))).toBeInstanceOf(InvalidRequestError)
    expect(stored('retire/destroy', oldId!).enabled).toBe(true)
  })

  it('orders versions written within one second by rotor-seq, not by id', async () => {
    const frozen = await startAzureFixture({now: () => Date.parse('2030-01-01T00:00:00.400Z')})
    try {
      const ids = await seed(frozen, 'same-second/key', 4)
      const snapshot = await frozen.client.describe('same-second/key')
      expect(snapshot.versions.map((v) => v.id)).toEqual([...ids].reverse())
      expect(snapshot.versions.map((v) => v.role)).toEqual(['current', 'previous', 'retired', 'retired', 'retired'])
      expect(snapshot.versions.map((v) => v.rotationId)).toEqual(['rot-4', 'rot-3', 'rot-2', 'rot-1', 'rot-0'])
    } finally {
      await frozen.close()
    }
  })

  it('notices, on a best-effort read, that another writer moved current', async () => {
    const [firstId] = await seed(fx, 'race/key', 0)
    await fx.raw.setSecret(secretNameFor('race/key'), 'other-writer', {tags: {'managed-by': 'rotor'}})
    const error = await caught(fx.client.writeVersion('race/key', value('mine'), {rotationId: 'rot-1', stage: 'current', expectedCurrent: firstId}))
    expect(error).toBeInstanceOf(ConflictError)
    expect((await fx.client.readValue('race/key', {role: 'current'})).reveal()).toBe('other-writer')
  })

  it('keeps labels and meta on the current version, carried forward by each write', async () => {
    await fx.client.writeVersion('carry/key', value('v0'), {rotationId: 'rot-0', stage: 'current', labels: {team: 'payments'}})
    await fx.client.setMeta('carry/key', {promotedAt: '2030-01-01T00:00:00.000Z'})
    const first = (await fx.client.describe('carry/key')).versions[0]!
    await fx.client.writeVersion('carry/key', value('v1'), {rotationId: 'rot-1', stage: 'current', expectedCurrent: first.id})
    const snapshot = await fx.client.describe('carry/key')
    expect(snapshot.labels).toEqual({team: 'payments', 'managed-by': 'rotor'})
    expect(snapshot.meta).toEqual({promotedAt: '2030-01-01T00:00:00.000Z'})
    const tags = fx.emulator.state.find(secretNameFor('carry/key')).version.tags
    expect(tags).toMatchObject({'rotor-path': 'carry/key', 'rotor-rotation': 'rot-1', 'rotor-seq': '1', 'rotor:promotedAt': '2030-01-01T00:00:00.000Z'})
  })
})

describe('Azure store: soft-deleted secrets', () => {
  let fx: AzureFixture
  beforeAll(async () => {
    fx = await startAzureFixture({recoveryLag: 2})
  })
  afterAll(async () => fx.close())

  it('recovers a soft-deleted secret it owned and writes the new version on top', async () => {
    const [oldId] = await seed(fx, 'deleted/api-key', 0)
    const deleting = await fx.raw.beginDeleteSecret(secretNameFor('deleted/api-key'), {intervalInMs: 10})
    await deleting.pollUntilDone()
    expect(await fx.client.describe('deleted/api-key')).toMatchObject({exists: false})

    // The engine sees no secret and creates it; the adapter meets the soft-deleted name instead.
    const written = await fx.client.writeVersion('deleted/api-key', value('fresh'), {rotationId: 'rot-new', stage: 'current'})
    expect(fx.emulator.calls.RecoverDeletedSecret).toBe(1)
    expect(fx.emulator.state.deleted.size).toBe(0)
    const snapshot = await fx.client.describe('deleted/api-key')
    expect(snapshot.owned).toBe(true)
    expect(snapshot.versions.map((v) => [v.id, v.role])).toEqual([
      [written.id, 'current'],
      [oldId, 'previous'],
    ])
    expect((await fx.client.readValue('deleted/api-key', {role: 'current'})).reveal()).toBe('fresh')
  })

  it('leaves another tool\'s soft-deleted secret alone', async () => {
    await fx.raw.setSecret(secretNameFor('deleted/foreign'), 'theirs')
    await (await fx.raw.beginDeleteSecret(secretNameFor('deleted/foreign'), {intervalInMs: 10})).pollUntilDone()
    const error = await caught(fx.client.writeVersion('deleted/foreign', value('ours'), {rotationId: 'rot-1', stage: 'current'}))
    expect(error).toBeInstanceOf(NotOwnedError)
    expect((error as NotOwnedError).hint).toMatch(/az keyvault secret recover/)
    expect(fx.emulator.state.deleted.has('deleted--foreign')).toBe(true)
  })

  it('treats the 409 right after a purge as transient, and the retry helper gets through', async () => {
    const lagging = await startAzureFixture({purgeLag: 2})
    try {
      await seed(lagging, 'purged/key', 0)
      const name = secretNameFor('purged/key')
      await (await lagging.raw.beginDeleteSecret(name, {intervalInMs: 10})).pollUntilDone()
      await lagging.raw.purgeDeletedSecret(name)
      const write = () => lagging.client.writeVersion('purged/key', value('again'), {rotationId: 'rot-9', stage: 'current'})
      const first = await caught(write())
      expect(first).toBeInstanceOf(UnavailableError)
      expect((first as UnavailableError).retryable).toBe(true)
      const written = await retry(write, undefined, {sleep: async () => {}})
      expect(written.rotationId).toBe('rot-9')
      expect((await lagging.client.describe('purged/key')).versions).toHaveLength(1)
    } finally {
      await lagging.close()
    }
  })
})
