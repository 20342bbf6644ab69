/**
 * The GCP adapter's promises beyond the shared suite, through the real SDK: aliases move
 * pending -> current -> previous; an etag conflict is detected and retried from a fresh read (or
 * refused when the state really moved); a retried write is a no-op; `current` never resolves to
 * a disabled version; destruction honours the version-destroy TTL.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ConflictError, InvalidRequestError, UnavailableError} from '../../../src/errors/index.js'
import {retry} from '../../../src/util/retry.js'
import {SecretValue} from '../../../providers/types.js'
import {type GcpFixture, startGcpFixture} from '../../emulators/gcp/fixture.js'

const value = (text: string) => new SecretValue(text)
const noSleep = {sleep: async () => {}, random: () => 0}

describe('GCP store: aliases and compare-and-swap', () => {
  let fx: GcpFixture
  beforeAll(async () => {
    fx = await startGcpFixture()
  })
  afterAll(async () => fx.close())

  const aliases = async (path: string) => (await fx.raw.getSecret({name: fx.secretName(path)}))[0].versionAliases
  const access = async (path: string, ref: string) =>
    Buffer.from((await fx.raw.accessSecretVersion({name: `${fx.secretName(path)}/versions/${ref}`}))[0].payload!.data as Uint8Array).toString()
  const roles = async (path: string) => (await fx.client.describe(path)).versions.map((v) => [v.id, v.role, v.enabled])

  async function seeded(path: string) {
    return (await fx.client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current'})).id
  }

  it('moves the aliases pending -> current -> previous', async () => {
    const path = 'alias/move'
    const v1 = await seeded(path)
    expect(await aliases(path)).toEqual({current: v1})

    const v2 = (await fx.client.writeVersion(path, value('v1'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: v1})).id
    expect(await aliases(path)).toEqual({current: v1, pending: v2})
    expect(await access(path, 'current')).toBe('v0')
    // The documented caveat of aliasMode staged: `latest` already is the staged version.
    expect(await access(path, 'latest')).toBe('v1')

    await fx.client.promote(path, {rotationId: 'rot-1', versionId: v2, expectedCurrent: v1})
    expect(await aliases(path)).toEqual({current: v2, previous: v1})

    const v3 = (await fx.client.writeVersion(path, value('v2'), {rotationId: 'rot-2', stage: 'pending', expectedCurrent: v2})).id
    await fx.client.promote(path, {rotationId: 'rot-2', versionId: v3, expectedCurrent: v2})
    expect(await aliases(path)).toEqual({current: v3, previous: v2})
    // The old previous lost its role but is still enabled: the engine retires it explicitly.
    expect(await roles(path)).toEqual([
      [v3, 'current', true],
      [v2, 'previous', true],
      [v1, 'retired', true],
    ])
    expect((await fx.client.describe(path)).versions.map((v) => v.rotationId)).toEqual(['rot-2', 'rot-1', 'rot-0'])
  })

  it('detects an etag conflict on promote and retries from a fresh read, keeping the other writer\'s change', async () => {
    const path = 'cas/retried'
    const v1 = await seeded(path)
    const staged = await fx.client.writeVersion(path, value('v1'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: v1})
    let interfered = false
    // Another tool annotates the secret between rotor's GetSecret and its UpdateSecret.
    fx.emulator.beforeOperation = (operation) => {
      if (operation !== 'UpdateSecret' || interfered) return
      interfered = true
      const secret = fx.emulator.state.secrets.get(fx.secretName(path))!
      secret.annotations['other-tool'] = 'was-here'
      secret.etag = fx.emulator.state.newEtag()
    }
    const before = fx.emulator.calls.UpdateSecret ?? 0
    try {
      await fx.client.promote(path, {rotationId: 'rot-1', versionId: staged.id, expectedCurrent: v1})
    } finally {
      fx.emulator.beforeOperation = undefined
    }
    expect(interfered).toBe(true)
    expect((fx.emulator.calls.UpdateSecret ?? 0) - before).toBe(2)
    expect(await aliases(path)).toEqual({current: staged.id, previous: v1})
    const [secret] = await fx.raw.getSecret({name: fx.secretName(path)})
    expect(secret.annotations?.['other-tool']).toBe('was-here')
  })

  it('refuses the promotion when the fresh read shows another writer moved current', async () => {
    const path = 'cas/moved'
    const v1 = await seeded(path)
    const staged = await fx.client.writeVersion(path, value('ours'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: v1})
    let theirs: number | undefined
    fx.emulator.beforeOperation = (operation) => {
      if (operation !== 'UpdateSecret' || theirs !== undefined) return
      const state = fx.emulator.state
      const secret = state.secrets.get(fx.secretName(path))!
      theirs = state.addVersion(secret, Buffer.from('theirs')).number
      secret.aliases.current = theirs
      secret.etag = state.newEtag()
    }
    try {
      const error = await fx.client.promote(path, {rotationId: 'rot-1', versionId: staged.id, expectedCurrent: v1}).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConflictError)
      expect((error as ConflictError).retryable).toBe(false)
    } finally {
      fx.emulator.beforeOperation = undefined
    }
    expect((await fx.client.readValue(path, {role: 'current'})).reveal()).toBe('theirs')
    const after = await fx.client.describe(path)
    expect(after.versions.find((v) => v.id === staged.id)?.role).toBe('pending')
  })

  it('disables its own new version when it loses the race after adding it', async () => {
    const path = 'cas/lost-write'
    const v1 = await seeded(path)
    let moved = false
    fx.emulator.beforeOperation = (operation, request) => {
      const body = request.secret as {versionAliases?: Record<string, string>} | undefined
      if (operation !== 'UpdateSecret' || moved || !body?.versionAliases?.pending) return
      moved = true
      const state = fx.emulator.state
      const secret = state.secrets.get(fx.secretName(path))!
      secret.aliases.current = state.addVersion(secret, Buffer.from('theirs')).number
      secret.etag = state.newEtag()
    }
    try {
      const attempt = fx.client.writeVersion(path, value('mine'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: v1})
      await expect(attempt).rejects.toBeInstanceOf(ConflictError)
    } finally {
      fx.emulator.beforeOperation = undefined
    }
    const snapshot = await fx.client.describe(path)
    expect(snapshot.versions.map((v) => [v.id, v.role, v.enabled])).toEqual([
      ['3', 'current', true],
      ['2', 'retired', false],
      ['1', 'retired', true],
    ])
  })

  it('treats a write retried after a lost AddSecretVersion answer as a no-op', async () => {
    const path = 'retry/lost-answer'
    fx.emulator.faults.failNext('AddSecretVersion', 'drop-response')
    const first = await fx.client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current'}).catch((e: unknown) => e)
    expect(first).toBeInstanceOf(UnavailableError)
    expect((first as UnavailableError).retryable).toBe(true)
    const created = await fx.client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current'})

    fx.emulator.faults.failNext('AddSecretVersion', 'drop-response')
    const options = {rotationId: 'rot-1', stage: 'pending' as const, expectedCurrent: created.id}
    const staged = await retry(() => fx.client.writeVersion(path, value('v1'), options), undefined, noSleep)
    const again = await fx.client.writeVersion(path, value('v1'), options)
    expect(again.id).toBe(staged.id)
    const snapshot = await fx.client.describe(path)
    expect(snapshot.versions.map((v) => [v.id, v.rotationId, v.role])).toEqual([
      ['2', 'rot-1', 'pending'],
      ['1', 'rot-0', 'current'],
    ])
    const [secret] = await fx.raw.getSecret({name: fx.secretName(path)})
    expect(Object.keys(secret.annotations ?? {})).not.toContain('rotor.inflight')
    await expect(fx.client.writeVersion(path, value('other'), options)).rejects.toBeInstanceOf(ConflictError)
  })

  it('finishes a first write whose aliases never landed, when the caller expects that very version as current', async () => {
    // A run created the secret and added version 1, then every UpdateSecret setting `current`
    // failed (the run gave up). The next run sees version 1 as current (the newest enabled one,
    // no alias) and repeats the write of the same rotation, expecting 1: that is this write
    // itself, not another writer, and must end with the aliases set, not a ConflictError.
    const path = 'retry/aliases-never-set'
    fx.emulator.faults.failNext('UpdateSecret', 'unavailable')
    const first = await fx.client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current'}).catch((e: unknown) => e)
    expect(first).toBeInstanceOf(UnavailableError)
    const seen = await fx.client.describe(path)
    expect(seen.versions.map((v) => [v.id, v.role])).toEqual([['1', 'current']])
    expect(await aliases(path)).toEqual({})

    const again = await fx.client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current', expectedCurrent: '1'})
    expect(again.id).toBe('1')
    expect(await aliases(path)).toEqual({current: '1'})
    expect((await fx.client.describe(path)).versions.map((v) => [v.id, v.rotationId, v.role])).toEqual([['1', 'rot-0', 'current']])
    // Another rotation expecting the version that only this one's fallback made current is refused.
    fx.emulator.faults.failNext('UpdateSecret', 'unavailable')
    const other = 'retry/aliases-never-set-other'
    await fx.client.writeVersion(other, value('v0'), {rotationId: 'rot-0', stage: 'current'}).catch(() => undefined)
    await expect(fx.client.writeVersion(other, value('v9'), {rotationId: 'rot-9', stage: 'current', expectedCurrent: '2'})).rejects.toBeInstanceOf(ConflictError)
  })

  it('never lets current resolve to a disabled version', async () => {
    const path = 'disabled/previous'
    const v1 = await seeded(path)
    const v2 = (await fx.client.writeVersion(path, value('v1'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: v1})).id
    await fx.client.promote(path, {rotationId: 'rot-1', versionId: v2, expectedCurrent: v1})
    await fx.client.retire(path, v1, 'disable')
    expect(await aliases(path)).toEqual({current: v2})
    expect(await access(path, 'current')).toBe('v1')
    expect((await fx.client.readValue(path, {role: 'current'})).reveal()).toBe('v1')
    await expect(fx.client.retire(path, v2, 'disable')).rejects.toBeInstanceOf(InvalidRequestError)
    expect(await access(path, 'current')).toBe('v1')
  })

  it('resolves current on a secret without aliases to its newest enabled version, not a disabled latest', async () => {
    const path = 'disabled/foreign-latest'
    const [secret] = await fx.raw.createSecret({parent: 'projects/rotor-test', secretId: 'disabled__foreign-latest', secret: {replication: {automatic: {}}}})
    await fx.raw.addSecretVersion({parent: secret.name, payload: {data: Buffer.from('good')}})
    const [bad] = await fx.raw.addSecretVersion({parent: secret.name, payload: {data: Buffer.from('bad')}})
    await fx.raw.disableSecretVersion({name: bad.name})
    expect(await roles(path)).toEqual([
      ['2', 'retired', false],
      ['1', 'current', true],
    ])
    expect((await fx.client.readValue(path, {role: 'current'})).reveal()).toBe('good')
    // Adopting pins the alias, so consumers reading `current` never fall onto a disabled `latest`.
    await fx.client.adopt(path)
    expect(await aliases(path)).toEqual({current: '1'})
    expect(await access(path, 'current')).toBe('good')
  })

  it('destroys under a version-destroy TTL: disabled now, reported destroyed, destruction scheduled', async () => {
    const path = 'destroy/ttl'
    const v1 = await seeded(path)
    await fx.raw.updateSecret({secret: {name: fx.secretName(path), versionDestroyTtl: {seconds: 7 * 86_400}}, updateMask: {paths: ['version_destroy_ttl']}})
    const v2 = (await fx.client.writeVersion(path, value('v1'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: v1})).id
    await fx.client.promote(path, {rotationId: 'rot-1', versionId: v2, expectedCurrent: v1})
    await fx.client.retire(path, v1, 'destroy')
    const destroys = fx.emulator.calls.DestroySecretVersion
    await fx.client.retire(path, v1, 'destroy')
    expect(fx.emulator.calls.DestroySecretVersion).toBe(destroys)
    expect((await fx.client.describe(path)).versions.find((v) => v.id === v1)).toMatchObject({role: 'retired', enabled: false, destroyed: true})
    const [raw] = await fx.raw.getSecretVersion({name: `${fx.secretName(path)}/versions/${v1}`})
    expect(raw.state).toBe('DISABLED')
    expect(Number(raw.scheduledDestroyTime?.seconds)).toBeGreaterThan(Date.now() / 1000 + 6 * 86_400)
  })
})

describe('GCP store: aliasMode at-promotion', () => {
  let fx: GcpFixture
  beforeAll(async () => {
    fx = await startGcpFixture({}, {aliasMode: 'at-promotion'})
  })
  afterAll(async () => fx.close())

  it('adds a version only when it becomes current, so `latest` is always current', async () => {
    const path = 'latest/always-current'
    expect(fx.client.capabilities.pendingStage).toBe(false)
    const v1 = await fx.client.writeVersion(path, value('v0'), {rotationId: 'rot-0', stage: 'current'})
    await expect(
      fx.client.writeVersion(path, value('v1'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: v1.id}),
    ).rejects.toBeInstanceOf(InvalidRequestError)
    expect(fx.emulator.calls.AddSecretVersion).toBe(1)
    const v2 = await fx.client.writeVersion(path, value('v1'), {rotationId: 'rot-1', stage: 'current', expectedCurrent: v1.id})
    const [latest] = await fx.raw.accessSecretVersion({name: `${fx.secretName(path)}/versions/latest`})
    expect(latest.name).toBe(`${fx.secretName(path)}/versions/${v2.id}`)
    const [secret] = await fx.raw.getSecret({name: fx.secretName(path)})
    expect(secret.versionAliases).toEqual({current: v2.id, previous: v1.id})
  })
})
