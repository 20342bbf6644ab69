/** Error translation at the AWS adapter's boundary, and `doctor`, against the emulator. */
import {CreateSecretCommand, DeleteSecretCommand} from '@aws-sdk/client-secrets-manager'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {AuthError, InvalidRequestError, NotFoundError, ThrottledError, UnavailableError} from '../../../src/errors/index.js'
import {retry} from '../../../src/util/retry.js'
import {awsFactory} from '../../../providers/aws/factory.js'
import {SecretValue} from '../../../providers/types.js'
import {type AwsFixture, startAwsFixture} from '../../emulators/aws/fixture.js'
import {startAwsEmulator} from '../../emulators/aws/server.js'

const value = (text: string) => new SecretValue(text)
const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e)

describe('AWS store: error translation', () => {
  let fx: AwsFixture
  beforeAll(async () => {
    fx = await startAwsFixture({maxVersions: 4})
  })
  afterAll(async () => fx.close())

  it('makes throttling, 5xx and dropped connections retryable, and the retry helper gets through', async () => {
    await fx.client.writeVersion('err/retry', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    fx.emulator.faults.failNext('DescribeSecret', 'throttle', 'server-error', 'reset')
    const throttled = await caught(fx.client.describe('err/retry'))
    expect(throttled).toBeInstanceOf(ThrottledError)
    expect((throttled as ThrottledError).retryable).toBe(true)
    const server = await caught(fx.client.describe('err/retry'))
    expect(server).toBeInstanceOf(UnavailableError)
    expect((server as UnavailableError).retryable).toBe(true)
    const reset = await caught(fx.client.describe('err/retry'))
    expect(reset).toBeInstanceOf(UnavailableError)
    expect((reset as UnavailableError).retryable).toBe(true)

    fx.emulator.faults.failNext('DescribeSecret', 'throttle', 'throttle')
    const attempts: number[] = []
    const snapshot = await retry(() => fx.client.describe('err/retry'), undefined, {
      sleep: async () => {},
      onRetry: (_e, attempt) => attempts.push(attempt),
    })
    expect(snapshot.exists).toBe(true)
    expect(attempts).toEqual([1, 2])
  })

  it('names the missing IAM action when access is denied', async () => {
    await fx.client.writeVersion('err/denied', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    const current = (await fx.client.describe('err/denied')).versions[0].id
    fx.emulator.faults.deny('PutSecretValue')
    try {
      const error = await caught(fx.client.writeVersion('err/denied', value('v1'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: current}))
      expect(error).toBeInstanceOf(AuthError)
      expect((error as AuthError).message).toContain('secretsmanager:PutSecretValue')
      expect((error as AuthError).hint).toMatch(/grant secretsmanager:PutSecretValue on err\/denied/)
      expect((error as AuthError).retryable).toBe(false)
    } finally {
      fx.emulator.faults.allow('PutSecretValue')
    }
  })

  it('explains a secret scheduled for deletion and how to restore it', async () => {
    const created = await fx.client.writeVersion('err/deleted', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    await fx.raw.send(new DeleteSecretCommand({SecretId: 'err/deleted', RecoveryWindowInDays: 7}))
    const snapshot = await fx.client.describe('err/deleted')
    expect(snapshot.exists).toBe(true)
    expect(snapshot.meta.scheduledForDeletion).toMatch(/^\d{4}-/)
    const write = await caught(fx.client.writeVersion('err/deleted', value('v1'), {rotationId: 'rot-1', stage: 'pending', expectedCurrent: created.id}))
    expect(write).toBeInstanceOf(InvalidRequestError)
    expect((write as InvalidRequestError).hint).toContain('aws secretsmanager restore-secret --secret-id err/deleted')
    const read = await caught(fx.client.readValue('err/deleted', {role: 'current'}))
    expect(read).toBeInstanceOf(InvalidRequestError)
    expect((read as InvalidRequestError).hint).toMatch(/RestoreSecret/)
  })

  it('explains the version quota when AWS refuses another version', async () => {
    let current = (await fx.client.writeVersion('err/quota', value('v0'), {rotationId: 'rot-0', stage: 'current'})).id
    const quota = async () => {
      for (let i = 1; i <= 5; i++) current = (await fx.client.writeVersion('err/quota', value(`v${i}`), {rotationId: `rot-${i}`, stage: 'current', expectedCurrent: current})).id
    }
    const error = await caught(quota())
    expect(error).toBeInstanceOf(InvalidRequestError)
    expect((error as InvalidRequestError).hint).toMatch(/24 hours/)
    expect((error as InvalidRequestError).retryable).toBe(false)
  })

  it('reports not found for a missing secret and an unknown version', async () => {
    expect(await caught(fx.client.readValue('err/missing', {role: 'current'}))).toBeInstanceOf(NotFoundError)
    await fx.client.writeVersion('err/version', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    expect(await caught(fx.client.readValue('err/version', {versionId: 'no-such-version-00000000000000000000'}))).toBeInstanceOf(NotFoundError)
    expect(await caught(fx.client.readValue('err/version', {role: 'previous'}))).toBeInstanceOf(NotFoundError)
  })

  it('turns bad credentials into an AuthError', async () => {
    const settings = awsFactory.settings.parse({region: fx.emulator.region, endpoint: fx.emulator.endpoint})
    const env = {AWS_ACCESS_KEY_ID: 'AKIAWRONG', AWS_SECRET_ACCESS_KEY: 'wrong'}
    const client = await awsFactory.create('bad', settings, {baseDir: '.', env, now: () => new Date()})
    expect(await caught(client.describe('err/retry'))).toBeInstanceOf(AuthError)
    await client.close()
  })
})

describe('AWS store: doctor', () => {
  let fx: AwsFixture
  beforeAll(async () => {
    fx = await startAwsFixture()
    await fx.client.writeVersion('doc/owned', value('v0'), {rotationId: 'rot-0', stage: 'current'})
    await fx.raw.send(new CreateSecretCommand({Name: 'doc/foreign', SecretString: 'x'}))
    await fx.raw.send(new CreateSecretCommand({Name: 'doc/deleted', SecretString: 'x', Tags: [{Key: 'managed-by', Value: 'rotor'}]}))
    await fx.raw.send(new DeleteSecretCommand({SecretId: 'doc/deleted'}))
  })
  afterAll(async () => fx.close())

  const byCheck = (checks: Array<{check: string; ok: boolean}>) => Object.fromEntries(checks.map((c) => [c.check, c.ok]))

  it('passes every check for a reachable store with full permissions, without writing', async () => {
    const writes = () => ['CreateSecret', 'PutSecretValue', 'TagResource', 'UntagResource'].map((op) => fx.emulator.calls[op] ?? 0)
    const before = writes()
    const checks = await fx.client.doctor(['doc/owned', 'doc/new'])
    expect(checks.every((c) => c.ok)).toBe(true)
    expect(byCheck(checks)).toMatchObject({
      'secretsmanager:ListSecrets': true,
      'secretsmanager:DescribeSecret on doc/owned': true,
      'secretsmanager:GetSecretValue on doc/owned': true,
      'secretsmanager:UpdateSecretVersionStage on doc/owned (probe; changes nothing)': true,
      'secretsmanager:DescribeSecret on doc/new': true,
    })
    expect(writes()).toEqual(before)
    expect((await fx.client.describe('doc/owned')).versions.map((v) => v.role)).toEqual(['current'])
  })

  it('names each missing permission', async () => {
    fx.emulator.faults.deny('GetSecretValue').deny('UpdateSecretVersionStage').deny('ListSecrets')
    try {
      const checks = await fx.client.doctor(['doc/owned'])
      const failed = checks.filter((c) => !c.ok)
      expect(failed.map((c) => c.check)).toEqual([
        'secretsmanager:ListSecrets',
        'secretsmanager:GetSecretValue on doc/owned',
        'secretsmanager:UpdateSecretVersionStage on doc/owned (probe; changes nothing)',
      ])
      expect(failed[1].hint).toMatch(/grant secretsmanager:GetSecretValue/)
      expect(checks[0]).toMatchObject({ok: true})
    } finally {
      fx.emulator.faults.clear()
    }
  })

  it('flags unowned and deleted secrets with what to do', async () => {
    const checks = await fx.client.doctor(['doc/foreign', 'doc/deleted'])
    expect(checks.find((c) => c.check === 'ownership of doc/foreign')).toMatchObject({ok: false, hint: expect.stringMatching(/adopt/)})
    expect(checks.find((c) => c.check === 'doc/deleted is usable')).toMatchObject({ok: false, hint: expect.stringMatching(/restore-secret/)})
  })

  it('says when the endpoint cannot be reached', async () => {
    const gone = await startAwsEmulator()
    await gone.close()
    const settings = awsFactory.settings.parse({region: 'us-east-1', endpoint: gone.endpoint})
    const client = await awsFactory.create('down', settings, {baseDir: '.', env: {AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b'}, now: () => new Date()})
    const checks = await client.doctor(['doc/owned'])
    expect(checks).toHaveLength(1)
    expect(checks[0]).toMatchObject({ok: false, check: `reach ${gone.endpoint} with these credentials`})
    await client.close()
  })
})
