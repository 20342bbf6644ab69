/**
 * The provider contract as executable cases. Every provider runs this same suite: memory and
 * file directly, each cloud adapter through its real SDK against its emulator. A provider that
 * lacks a capability skips only the cases that need it, and says so in the test name.
 */
import {randomUUID} from 'node:crypto'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ConflictError, NotFoundError, NotOwnedError, RotorError} from '../../src/errors/index.js'
import {type Capabilities, type SecretSnapshot, SecretValue, type StoreClient} from '../../providers/types.js'
import {describePaths} from '../../providers/describe-many.js'

export interface ConformanceFixture {
  client: StoreClient
  /** Create a secret through the store's own API, without rotor's ownership tag. */
  putForeign(path: string, value: string): Promise<void>
  close(): Promise<void>
}

const value = (text: string) => new SecretValue(text)

export function runConformance(
  name: string,
  capabilities: Capabilities,
  makeFixture: () => Promise<ConformanceFixture>,
): void {
  describe(`provider contract: ${name}`, () => {
    let fixture: ConformanceFixture
    let client: StoreClient
    const path = (what: string) => `conformance/${what}-${randomUUID().slice(0, 8)}`

    beforeAll(async () => {
      fixture = await makeFixture()
      client = fixture.client
    })

    it('declares the capabilities its factory advertises', () => {
      expect(client.capabilities).toEqual(capabilities)
    })
    afterAll(async () => {
      await fixture?.close()
    })

    /** Creates a secret with one current version, then (optionally) rotates it once. */
    async function seeded(what: string, rotations = 0) {
      const p = path(what)
      let current = await client.writeVersion(p, value('v0-value'), {rotationId: 'r0', stage: 'current'})
      for (let i = 1; i <= rotations; i++) current = await rotateOnce(p, `r${i}`, `v${i}-value`, current.id)
      return {path: p, currentId: current.id}
    }

    async function rotateOnce(p: string, rotationId: string, text: string, expectedCurrent: string) {
      if (client.capabilities.pendingStage) {
        const staged = await client.writeVersion(p, value(text), {rotationId, stage: 'pending', expectedCurrent})
        await client.promote(p, {rotationId, versionId: staged.id, expectedCurrent})
        return staged
      }
      return client.writeVersion(p, value(text), {rotationId, stage: 'current', expectedCurrent})
    }

    const roleOf = async (p: string, versionId: string) =>
      (await client.describe(p)).versions.find((v) => v.id === versionId)

    it('describes a missing secret as not existing', async () => {
      const snapshot = await client.describe(path('missing'))
      expect(snapshot).toMatchObject({exists: false, owned: false, versions: []})
    })

    it('creates a secret owned by rotor with one current version', async () => {
      const p = path('create')
      const written = await client.writeVersion(p, value('first-value'), {rotationId: 'rot-1', stage: 'current'})
      const snapshot = await client.describe(p)
      expect(snapshot.exists).toBe(true)
      expect(snapshot.owned).toBe(true)
      expect(snapshot.versions.filter((v) => v.enabled && !v.destroyed)).toHaveLength(1)
      expect(snapshot.versions[0]).toMatchObject({id: written.id, role: 'current', enabled: true, rotationId: 'rot-1'})
      expect(snapshot.versions[0].createdAt).toBeInstanceOf(Date)
      expect((await client.readValue(p, {role: 'current'})).reveal()).toBe('first-value')
      expect((await client.readValue(p, {versionId: written.id})).reveal()).toBe('first-value')
    })

    it('treats a repeated write of the same rotation as a no-op', async () => {
      const p = path('idempotent')
      const first = await client.writeVersion(p, value('same-value'), {rotationId: 'rot-1', stage: 'current'})
      const again = await client.writeVersion(p, value('same-value'), {rotationId: 'rot-1', stage: 'current'})
      expect(again.id).toBe(first.id)
      expect((await client.describe(p)).versions.filter((v) => !v.destroyed)).toHaveLength(1)
    })

    it('rejects the same rotation id with another value, without echoing either value', async () => {
      const p = path('token-conflict')
      await client.writeVersion(p, value('value-one-xyz'), {rotationId: 'rot-1', stage: 'current'})
      const error = await client
        .writeVersion(p, value('value-two-xyz'), {rotationId: 'rot-1', stage: 'current'})
        .catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConflictError)
      expect(String((error as Error).message)).not.toMatch(/value-(one|two)-xyz/)
      expect((await client.readValue(p, {role: 'current'})).reveal()).toBe('value-one-xyz')
    })

    it('refuses to create a secret that already exists', async () => {
      const {path: p} = await seeded('exists')
      await expect(client.writeVersion(p, value('other'), {rotationId: 'rot-x', stage: 'current'})).rejects.toBeInstanceOf(
        ConflictError,
      )
    })

    it('rotates: the new version becomes current and the old one previous, both readable', async () => {
      const {path: p, currentId: oldId} = await seeded('rotate')
      const next = await rotateOnce(p, 'r1', 'v1-value', oldId)
      expect((await client.readValue(p, {role: 'current'})).reveal()).toBe('v1-value')
      expect((await client.readValue(p, {role: 'previous'})).reveal()).toBe('v0-value')
      expect(await roleOf(p, next.id)).toMatchObject({role: 'current', enabled: true})
      expect(await roleOf(p, oldId)).toMatchObject({role: 'previous', enabled: true})
    })

    it('a second rotation moves the old previous out of its role without disabling it', async () => {
      const {path: p} = await seeded('rotate-twice', 2)
      const snapshot = await client.describe(p)
      const byRole = (role: string) => snapshot.versions.filter((v) => v.role === role)
      expect(byRole('current')).toHaveLength(1)
      expect(byRole('previous')).toHaveLength(1)
      expect((await client.readValue(p, {role: 'current'})).reveal()).toBe('v2-value')
      expect((await client.readValue(p, {role: 'previous'})).reveal()).toBe('v1-value')
    })

    describe.runIf(capabilities.pendingStage)('pending stage', () => {
      it('stages a version that readers of current do not see until promoted', async () => {
        const {path: p, currentId} = await seeded('stage')
        const staged = await client.writeVersion(p, value('staged-value'), {
          rotationId: 'r1',
          stage: 'pending',
          expectedCurrent: currentId,
        })
        expect((await client.readValue(p, {role: 'current'})).reveal()).toBe('v0-value')
        expect((await client.readValue(p, {role: 'pending'})).reveal()).toBe('staged-value')
        expect(await roleOf(p, staged.id)).toMatchObject({role: 'pending', rotationId: 'r1'})
        await client.promote(p, {rotationId: 'r1', versionId: staged.id, expectedCurrent: currentId})
        expect((await client.readValue(p, {role: 'current'})).reveal()).toBe('staged-value')
        // Promote is idempotent.
        await client.promote(p, {rotationId: 'r1', versionId: staged.id, expectedCurrent: currentId})
        expect(await roleOf(p, staged.id)).toMatchObject({role: 'current'})
        expect(await roleOf(p, currentId)).toMatchObject({role: 'previous'})
      })

      it('refuses a promotion when another writer moved current', async () => {
        const {path: p, currentId} = await seeded('promote-cas')
        const staged = await client.writeVersion(p, value('staged-2'), {rotationId: 'r1', stage: 'pending', expectedCurrent: currentId})
        const sneaky = await client.writeVersion(p, value('sneaky'), {rotationId: 'other', stage: 'current', expectedCurrent: currentId})
        await expect(
          client.promote(p, {rotationId: 'r1', versionId: staged.id, expectedCurrent: currentId}),
        ).rejects.toBeInstanceOf(ConflictError)
        expect(await roleOf(p, sneaky.id)).toMatchObject({role: 'current'})
      })
    })

    it.runIf(capabilities.compareAndSwap)('detects a concurrent writer through compare-and-swap', async () => {
      const {path: p, currentId} = await seeded('cas')
      await rotateOnce(p, 'r-other', 'other-writer', currentId)
      const attempt = client.writeVersion(p, value('mine'), {
        rotationId: 'r-mine',
        stage: client.capabilities.pendingStage ? 'pending' : 'current',
        expectedCurrent: currentId,
      })
      await expect(attempt).rejects.toBeInstanceOf(ConflictError)
      expect((await client.readValue(p, {role: 'current'})).reveal()).toBe('other-writer')
    })

    it('retires a previous version by disabling it, idempotently', async () => {
      const {path: p} = await seeded('retire', 1)
      const previous = (await client.describe(p)).versions.find((v) => v.role === 'previous')!
      await client.retire(p, previous.id, 'disable')
      await client.retire(p, previous.id, 'disable')
      expect(await roleOf(p, previous.id)).toMatchObject({role: 'retired', enabled: false})
      await expect(client.readValue(p, {versionId: previous.id})).rejects.toBeInstanceOf(NotFoundError)
      await expect(client.readValue(p, {role: 'previous'})).rejects.toBeInstanceOf(NotFoundError)
      expect((await client.readValue(p, {role: 'current'})).reveal()).toBe('v1-value')
    })

    it('never retires the current version', async () => {
      const {path: p, currentId} = await seeded('retire-current')
      await expect(client.retire(p, currentId, 'disable')).rejects.toBeInstanceOf(RotorError)
      expect((await client.readValue(p, {role: 'current'})).reveal()).toBe('v0-value')
    })

    it.runIf(capabilities.destroyVersion)('destroys a previous version', async () => {
      const {path: p} = await seeded('destroy', 1)
      const previous = (await client.describe(p)).versions.find((v) => v.role === 'previous')!
      await client.retire(p, previous.id, 'destroy')
      expect(await roleOf(p, previous.id)).toMatchObject({enabled: false, destroyed: true})
    })

    it('keeps rotor meta, merging and removing keys', async () => {
      const {path: p} = await seeded('meta')
      await client.setMeta(p, {rotationId: 'r9', promotedAt: '2026-01-01T00:00:00.000Z'})
      await client.setMeta(p, {rotationId: undefined, graceEndsAt: '2026-01-02T00:00:00.000Z'})
      const {meta} = await client.describe(p)
      expect(meta.rotationId).toBeUndefined()
      expect(meta.promotedAt).toBe('2026-01-01T00:00:00.000Z')
      expect(meta.graceEndsAt).toBe('2026-01-02T00:00:00.000Z')
    })

    it('refuses to change a secret it does not own until it is adopted', async () => {
      const p = path('foreign')
      await fixture.putForeign(p, 'their-value')
      const snapshot = await client.describe(p)
      expect(snapshot).toMatchObject({exists: true, owned: false})
      const currentId = snapshot.versions.find((v) => v.role === 'current')!.id
      const write = () =>
        client.writeVersion(p, value('ours'), {
          rotationId: 'adopt-1',
          stage: client.capabilities.pendingStage ? 'pending' : 'current',
          expectedCurrent: currentId,
        })
      await expect(write()).rejects.toBeInstanceOf(NotOwnedError)
      expect((await client.readValue(p, {role: 'current'})).reveal()).toBe('their-value')
      await client.adopt(p)
      expect((await client.describe(p)).owned).toBe(true)
      await expect(write()).resolves.toMatchObject({rotationId: 'adopt-1'})
    })

    it('lists secrets by prefix', async () => {
      const prefix = path('list')
      await client.writeVersion(`${prefix}/a`, value('a'), {rotationId: 'r', stage: 'current'})
      await client.writeVersion(`${prefix}/b`, value('b'), {rotationId: 'r', stage: 'current'})
      expect((await client.list(`${prefix}/`)).sort()).toEqual([`${prefix}/a`, `${prefix}/b`])
    })

    it('describes many paths at once exactly as one describe each (bulk where the store lists)', async () => {
      const rotated = await seeded('many-rotated', 3)
      const fresh = await seeded('many-fresh')
      const staged = await seeded('many-staged')
      if (client.capabilities.pendingStage) {
        await client.writeVersion(staged.path, value('staged-value'), {rotationId: 'many-s1', stage: 'pending', expectedCurrent: staged.currentId})
      }
      await client.setMeta(fresh.path, {promotedVersion: fresh.currentId, promotedAt: '2026-01-02T03:04:05.000Z'})
      const foreign = path('many-foreign')
      await fixture.putForeign(foreign, 'foreign-value')
      const missing = path('many-missing')
      const paths = [rotated.path, missing, fresh.path, staged.path, foreign, rotated.path]
      const many = await describePaths(client, paths)
      expect([...many.keys()].sort()).toEqual([...new Set(paths)].sort())
      for (const p of new Set(paths)) expect(many.get(p), p).toEqual(await client.describe(p))
      expect((many.get(missing) as SecretSnapshot).exists).toBe(false)
      expect((many.get(foreign) as SecretSnapshot).owned).toBe(false)
    })

    it('never shows a value through toString, JSON or inspect', async () => {
      const {path: p} = await seeded('redact')
      const read = await client.readValue(p, {role: 'current'})
      expect(String(read)).not.toContain('v0-value')
      expect(JSON.stringify({read})).not.toContain('v0-value')
      const {inspect} = await import('node:util')
      expect(inspect(read)).not.toContain('v0-value')
    })
  })
}

