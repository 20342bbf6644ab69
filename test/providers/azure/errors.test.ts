/** Challenge authentication and error translation at the Azure adapter's boundary, against the emulator. */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AuthError, NotFoundError, ThrottledError, UnavailableError} from '../../../src/errors/index.js'
import {retry} from '../../../src/util/retry.js'
import {azureFactory} from '../../../providers/azure/factory.js'
import {TOKEN_ENV} from '../../../providers/azure/credential.js'
import {SecretValue} from '../../../providers/types.js'
import {type AzureFixture, startAzureFixture} from '../../emulators/azure/fixture.js'

const value = (text: string) => new SecretValue(text)
const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e)

describe('Azure store: challenge authentication', () => {
  it('answers the first request with the 401 challenge, then sends the bearer token on every call', async () => {
    const fx = await startAzureFixture()
    try {
      expect(fx.emulator.challenges).toBe(0)
      await fx.client.writeVersion('auth/key', value('v0'), {rotationId: 'rot-0', stage: 'current'})
      await fx.client.describe('auth/key')
      await fx.client.readValue('auth/key', {role: 'current'})
      // One challenge per client: later requests carry the token from the start.
      expect(fx.emulator.challenges).toBe(1)
      expect(fx.emulator.calls.SetSecret).toBe(1)
      expect(fx.emulator.calls.GetSecret).toBe(1)
      expect(fx.emulator.rejectedTokens).toBe(0)
    } finally {
      await fx.close()
    }
  })

  it('turns a token the vault rejects into an AuthError that says where tokens come from', async () => {
    const fx = await startAzureFixture({token: 'the-right-token'})
    try {
      const settings = azureFactory.settings.parse({vaultUrl: fx.emulator.vaultUrl, caFile: fx.caFile, disableChallengeResourceVerification: true})
      const wrong = await azureFactory.create('azure-wrong', settings, {baseDir: fx.dir, env: {[TOKEN_ENV]: 'a-wrong-token'}, now: () => new Date()})
      const error = await caught(wrong.describe('auth/any'))
      expect(error).toBeInstanceOf(AuthError)
      expect((error as AuthError).hint).toContain(TOKEN_ENV)
      expect(fx.emulator.rejectedTokens).toBeGreaterThan(0)
      expect(fx.emulator.calls.GetSecretVersions ?? 0).toBe(0)
    } finally {
      await fx.close()
    }
  })

  it('refuses a vault whose certificate it does not trust, without retrying', async () => {
    const fx = await startAzureFixture()
    try {
      const settings = azureFactory.settings.parse({vaultUrl: fx.emulator.vaultUrl, disableChallengeResourceVerification: true})
      const untrusting = await azureFactory.create('azure-tls', settings, {baseDir: fx.dir, env: fx.env, now: () => new Date()})
      const error = await caught(untrusting.describe('tls/any'))
      expect(error).toBeInstanceOf(UnavailableError)
      expect((error as UnavailableError).retryable).toBe(false)
      expect((error as UnavailableError).hint).toMatch(/caFile/)
    } finally {
      await fx.close()
    }
  })
})

describe('Azure store: error translation', () => {
  let fx: AzureFixture
  beforeAll(async () => {
    fx = await startAzureFixture()
  })
  afterAll(async () => fx.close())

  it('turns 429 into ThrottledError carrying Retry-After', async () => {
    fx.emulator.faults.retryAfterSeconds = 7
    fx.emulator.faults.failNext('GetSecretVersions', 'throttle')
    const error = await caught(fx.client.describe('err/throttled'))
    expect(error).toBeInstanceOf(ThrottledError)
    expect((error as ThrottledError).retryAfterMs).toBe(7000)
    expect((error as ThrottledError).retryable).toBe(true)
  })

  it('makes 5xx and dropped connections retryable, and the retry helper gets through', async () => {
    await fx.client.writeVersion('err/retry', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    fx.emulator.faults.failNext('GetSecretVersions', 'server-error', 'unavailable', 'reset')
    for (let i = 0; i < 3; i++) {
      const error = await caught(fx.client.describe('err/retry'))
      expect(error).toBeInstanceOf(UnavailableError)
      expect((error as UnavailableError).retryable).toBe(true)
    }
    fx.emulator.faults.failNext('GetSecretVersions', 'throttle', 'server-error')
    const attempts: number[] = []
    const snapshot = await retry(() => fx.client.describe('err/retry'), undefined, {sleep: async () => {}, onRetry: (_e, attempt) => attempts.push(attempt)})
    expect(snapshot.exists).toBe(true)
    expect(attempts).toEqual([1, 2])
  })

  it('finds its own version after a write whose answer was lost', async () => {
    fx.emulator.faults.failNext('SetSecret', 'drop-response')
    const write = () => fx.client.writeVersion('err/dropped', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    expect(await caught(write())).toBeInstanceOf(UnavailableError)
    const again = await write()
    expect(again.rotationId).toBe('rot-0')
    expect((await fx.client.describe('err/dropped')).versions).toHaveLength(1)
  })

  it('names the RBAC data action and the role to assign when a write is forbidden', async () => {
    const first = await fx.client.writeVersion('err/denied', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    fx.emulator.faults.deny('SetSecret')
    try {
      const error = await caught(fx.client.writeVersion('err/denied', value('v1'), {rotationId: 'rot-1', stage: 'current', expectedCurrent: first.id}))
      expect(error).toBeInstanceOf(AuthError)
      expect((error as AuthError).message).toContain('Microsoft.KeyVault/vaults/secrets/setSecret/action')
      expect((error as AuthError).hint).toContain('"Key Vault Secrets Officer"')
      expect((error as AuthError).retryable).toBe(false)
    } finally {
      fx.emulator.faults.allow('SetSecret')
    }
  })

  it('names the reader role when a read is forbidden', async () => {
    await fx.client.writeVersion('err/read-denied', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    fx.emulator.faults.deny('GetSecret')
    try {
      const error = await caught(fx.client.readValue('err/read-denied', {role: 'current'}))
      expect(error).toBeInstanceOf(AuthError)
      expect((error as AuthError).message).toContain('secrets/getSecret/action')
      expect((error as AuthError).hint).toContain('"Key Vault Secrets User"')
    } finally {
      fx.emulator.faults.allow('GetSecret')
    }
  })

  it('reports a missing version as NotFoundError', async () => {
    await fx.client.writeVersion('err/missing', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    expect(await caught(fx.client.readValue('err/missing', {versionId: 'f'.repeat(32)}))).toBeInstanceOf(NotFoundError)
    expect(await caught(fx.client.readValue('err/nothing-here', {role: 'current'}))).toBeInstanceOf(NotFoundError)
  })

  it('keeps values out of error messages', async () => {
    await fx.client.writeVersion('err/redact', value('value-one-xyz'), {rotationId: 'rot-1', stage: 'current'})
    const error = await caught(fx.client.writeVersion('err/redact', value('value-two-xyz'), {rotationId: 'rot-1', stage: 'current'}))
    expect(JSON.stringify(error)).not.toMatch(/value-(one|two)-xyz/)
    expect(String((error as Error).message)).not.toMatch(/value-(one|two)-xyz/)
  })
})
