import {afterEach, describe, expect, it} from 'vitest'
import {SecretValue} from '../../../providers/types.js'
import {type AwsFixture, startAwsFixture} from '../../emulators/aws/fixture.js'

/** `rotor check --unused-days` relies on DescribeSecret's LastAccessedDate (day precision). */
describe('AWS last access', () => {
  let fx: AwsFixture
  let now = Date.parse('2026-03-02T15:30:00Z')
  afterEach(async () => {
    await fx.close()
  })

  it('is absent before the first read and the day of the last read afterwards', async () => {
    fx = await startAwsFixture({now: () => now})
    await fx.client.writeVersion('app/key', new SecretValue('value-one'), {rotationId: 'r1', stage: 'current', labels: {}})
    expect((await fx.client.describe('app/key')).lastAccessedAt).toBeUndefined()
    now = Date.parse('2026-03-05T10:00:00Z')
    await fx.client.readValue('app/key', {role: 'current'})
    expect((await fx.client.describe('app/key')).lastAccessedAt?.toISOString()).toBe('2026-03-05T00:00:00.000Z')
  })

  it('reads a retired (unlabelled) version for leak scanning', async () => {
    fx = await startAwsFixture({now: () => now})
    const v1 = await fx.client.writeVersion('app/key', new SecretValue('first-value'), {rotationId: 'r1', stage: 'current', labels: {}})
    const v2 = await fx.client.writeVersion('app/key', new SecretValue('second-value'), {rotationId: 'r2', stage: 'current', expectedCurrent: v1.id})
    const v3 = await fx.client.writeVersion('app/key', new SecretValue('third-value'), {rotationId: 'r3', stage: 'current', expectedCurrent: v2.id})
    expect(v3.role).toBe('current')
    await expect(fx.client.readValue('app/key', {versionId: v1.id})).rejects.toThrow(/retired/)
    expect((await fx.client.readRetiredValue('app/key', v1.id)).reveal()).toBe('first-value')
  })
})
