/**
 * The emulator's own semantics, through the plain SDK: if these drift from AWS, every adapter
 * test built on the emulator proves the wrong thing.
 */
import {
  BatchGetSecretValueCommand,
  CreateSecretCommand,
  DeleteSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  ListSecretVersionIdsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type AwsFixture, startAwsFixture, TEST_CREDENTIALS} from '../../emulators/aws/fixture.js'

const token = (n: number) => `emulator-test-token-${String(n).padStart(16, '0')}`
const failure = (promise: Promise<unknown>) => promise.then(() => undefined, (e: {name: string; message: string}) => e)

describe('AWS emulator semantics (plain SDK)', () => {
  let fx: AwsFixture
  let sm: SecretsManagerClient
  beforeAll(async () => {
    fx = await startAwsFixture()
    sm = fx.raw
  })
  afterAll(async () => fx.close())

  const stagesOf = async (name: string) => (await sm.send(new DescribeSecretCommand({SecretId: name}))).VersionIdsToStages

  it('moves AWSPREVIOUS to the old current when AWSCURRENT moves, and drops the older previous', async () => {
    await sm.send(new CreateSecretCommand({Name: 'labels/a', SecretString: 'v1', ClientRequestToken: token(1)}))
    await sm.send(new PutSecretValueCommand({SecretId: 'labels/a', SecretString: 'v2', ClientRequestToken: token(2)}))
    expect(await stagesOf('labels/a')).toEqual({[token(1)]: ['AWSPREVIOUS'], [token(2)]: ['AWSCURRENT']})
    await sm.send(new PutSecretValueCommand({SecretId: 'labels/a', SecretString: 'v3', ClientRequestToken: token(3), VersionStages: ['AWSPENDING']}))
    await sm.send(
      new UpdateSecretVersionStageCommand({SecretId: 'labels/a', VersionStage: 'AWSCURRENT', MoveToVersionId: token(3), RemoveFromVersionId: token(2)}),
    )
    // token(1) lost its last label: deprecated, absent from VersionIdsToStages, still listed with IncludeDeprecated.
    expect(await stagesOf('labels/a')).toEqual({[token(2)]: ['AWSPREVIOUS'], [token(3)]: ['AWSPENDING', 'AWSCURRENT']})
    const all = await sm.send(new ListSecretVersionIdsCommand({SecretId: 'labels/a', IncludeDeprecated: true}))
    expect(all.Versions?.find((v) => v.VersionId === token(1))?.VersionStages).toEqual([])
  })

  it('refuses a label move whose RemoveFromVersionId does not hold the label, or that omits it', async () => {
    await sm.send(new CreateSecretCommand({Name: 'labels/cas', SecretString: 'v1', ClientRequestToken: token(1)}))
    await sm.send(new PutSecretValueCommand({SecretId: 'labels/cas', SecretString: 'v2', ClientRequestToken: token(2), VersionStages: ['AWSPENDING']}))
    const wrong = await failure(
      sm.send(new UpdateSecretVersionStageCommand({SecretId: 'labels/cas', VersionStage: 'AWSCURRENT', MoveToVersionId: token(2), RemoveFromVersionId: token(2)})),
    )
    expect(wrong).toMatchObject({name: 'InvalidParameterException'})
    const omitted = await failure(sm.send(new UpdateSecretVersionStageCommand({SecretId: 'labels/cas', VersionStage: 'AWSCURRENT', MoveToVersionId: token(2)})))
    expect(omitted).toMatchObject({name: 'InvalidParameterException', message: expect.stringContaining('RemoveFromVersionId')})
    expect(await stagesOf('labels/cas')).toEqual({[token(1)]: ['AWSCURRENT'], [token(2)]: ['AWSPENDING']})
  })

  it('treats a repeated ClientRequestToken as a no-op with the same value and a conflict with another', async () => {
    await sm.send(new CreateSecretCommand({Name: 'tokens/a', SecretString: 'v1', ClientRequestToken: token(1)}))
    const first = await sm.send(new PutSecretValueCommand({SecretId: 'tokens/a', SecretString: 'v2', ClientRequestToken: token(2)}))
    const again = await sm.send(new PutSecretValueCommand({SecretId: 'tokens/a', SecretString: 'v2', ClientRequestToken: token(2)}))
    expect(again.VersionId).toBe(first.VersionId)
    const conflict = await failure(sm.send(new PutSecretValueCommand({SecretId: 'tokens/a', SecretString: 'other', ClientRequestToken: token(2)})))
    expect(conflict).toMatchObject({name: 'ResourceExistsException'})
    const versions = await sm.send(new ListSecretVersionIdsCommand({SecretId: 'tokens/a', IncludeDeprecated: true}))
    expect(versions.Versions).toHaveLength(2)
    expect((await sm.send(new GetSecretValueCommand({SecretId: 'tokens/a'}))).SecretString).toBe('v2')
    const short = await failure(sm.send(new PutSecretValueCommand({SecretId: 'tokens/a', SecretString: 'x', ClientRequestToken: 'too-short'})))
    expect(short).toMatchObject({name: 'ValidationException'})
  })

  it('refuses CreateSecret for an existing name unless it is the same token and value', async () => {
    await sm.send(new CreateSecretCommand({Name: 'tokens/create', SecretString: 'v1', ClientRequestToken: token(1)}))
    await expect(sm.send(new CreateSecretCommand({Name: 'tokens/create', SecretString: 'v1', ClientRequestToken: token(1)}))).resolves.toMatchObject({
      VersionId: token(1),
    })
    expect(await failure(sm.send(new CreateSecretCommand({Name: 'tokens/create', SecretString: 'v1'})))).toMatchObject({name: 'ResourceExistsException'})
  })

  it('reads by stage (default AWSCURRENT), by version id and by ARN', async () => {
    const created = await sm.send(new CreateSecretCommand({Name: 'read/a', SecretString: 'v1', ClientRequestToken: token(1)}))
    await sm.send(new PutSecretValueCommand({SecretId: 'read/a', SecretString: 'v2', ClientRequestToken: token(2), VersionStages: ['AWSPENDING']}))
    expect((await sm.send(new GetSecretValueCommand({SecretId: 'read/a'}))).SecretString).toBe('v1')
    expect((await sm.send(new GetSecretValueCommand({SecretId: 'read/a', VersionStage: 'AWSPENDING'}))).SecretString).toBe('v2')
    expect((await sm.send(new GetSecretValueCommand({SecretId: created.ARN, VersionId: token(2)}))).SecretString).toBe('v2')
    const noLabel = await failure(sm.send(new GetSecretValueCommand({SecretId: 'read/a', VersionStage: 'AWSPREVIOUS'})))
    expect(noLabel).toMatchObject({name: 'ResourceNotFoundException'})
    expect(await failure(sm.send(new GetSecretValueCommand({SecretId: 'read/missing'})))).toMatchObject({name: 'ResourceNotFoundException'})
  })

  it('pages ListSecrets and applies name, tag and negated filters', async () => {
    for (let i = 0; i < 7; i++) {
      await sm.send(new CreateSecretCommand({Name: `list/item-${i}`, SecretString: 'x', Tags: i % 2 === 0 ? [{Key: 'team', Value: 'pay'}] : []}))
    }
    await sm.send(new CreateSecretCommand({Name: 'List/upper', SecretString: 'x'}))
    const names: string[] = []
    let NextToken: string | undefined
    let pages = 0
    do {
      const out = await sm.send(new ListSecretsCommand({MaxResults: 3, NextToken, Filters: [{Key: 'name', Values: ['list/']}]}))
      names.push(...(out.SecretList ?? []).map((s) => s.Name!))
      NextToken = out.NextToken
      pages++
    } while (NextToken)
    expect(pages).toBe(3)
    expect(names.sort()).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `list/item-${i}`))
    const tagged = await sm.send(new ListSecretsCommand({Filters: [{Key: 'name', Values: ['list/']}, {Key: 'tag-key', Values: ['team']}]}))
    expect(tagged.SecretList?.map((s) => s.Name).sort()).toEqual(['list/item-0', 'list/item-2', 'list/item-4', 'list/item-6'])
    const negated = await sm.send(new ListSecretsCommand({Filters: [{Key: 'name', Values: ['list/']}, {Key: 'tag-value', Values: ['!pay']}]}))
    expect(negated.SecretList?.map((s) => s.Name).sort()).toEqual(['list/item-1', 'list/item-3', 'list/item-5'])
    expect(await failure(sm.send(new ListSecretsCommand({NextToken: 'bogus'})))).toMatchObject({name: 'InvalidNextTokenException'})
  })

  it('reports per-secret errors from BatchGetSecretValue and caps the list at 20', async () => {
    await sm.send(new CreateSecretCommand({Name: 'batch/a', SecretString: 'A'}))
    await sm.send(new CreateSecretCommand({Name: 'batch/gone', SecretString: 'G'}))
    await sm.send(new DeleteSecretCommand({SecretId: 'batch/gone', RecoveryWindowInDays: 7}))
    const out = await sm.send(new BatchGetSecretValueCommand({SecretIdList: ['batch/a', 'batch/missing', 'batch/gone']}))
    expect(out.SecretValues?.map((v) => [v.Name, v.SecretString])).toEqual([['batch/a', 'A']])
    expect(out.Errors?.map((e) => [e.SecretId, e.ErrorCode])).toEqual([
      ['batch/missing', 'ResourceNotFoundException'],
      ['batch/gone', 'InvalidRequestException'],
    ])
    const tooMany = Array.from({length: 21}, (_, i) => `batch/n${i}`)
    expect(await failure(sm.send(new BatchGetSecretValueCommand({SecretIdList: tooMany})))).toMatchObject({name: 'ValidationException'})
    const both = failure(sm.send(new BatchGetSecretValueCommand({SecretIdList: ['batch/a'], Filters: [{Key: 'name', Values: ['batch/']}]})))
    expect(await both).toMatchObject({name: 'InvalidParameterException'})
    const filtered = await sm.send(new BatchGetSecretValueCommand({Filters: [{Key: 'name', Values: ['batch/']}], MaxResults: 5}))
    expect(filtered.SecretValues?.map((v) => v.Name)).toEqual(['batch/a'])
  })

  it('keeps a deleted secret describable but unusable until restored', async () => {
    await sm.send(new CreateSecretCommand({Name: 'delete/a', SecretString: 'v1'}))
    const deleted = await sm.send(new DeleteSecretCommand({SecretId: 'delete/a', RecoveryWindowInDays: 7}))
    expect(deleted.DeletionDate).toBeInstanceOf(Date)
    expect((await sm.send(new DescribeSecretCommand({SecretId: 'delete/a'}))).DeletedDate).toBeInstanceOf(Date)
    const read = await failure(sm.send(new GetSecretValueCommand({SecretId: 'delete/a'})))
    expect(read).toMatchObject({name: 'InvalidRequestException', message: expect.stringContaining('marked for deletion')})
    const names = (await sm.send(new ListSecretsCommand({Filters: [{Key: 'name', Values: ['delete/']}]}))).SecretList ?? []
    expect(names).toHaveLength(0)
    await sm.send(new RestoreSecretCommand({SecretId: 'delete/a'}))
    expect((await sm.send(new GetSecretValueCommand({SecretId: 'delete/a'}))).SecretString).toBe('v1')
    await sm.send(new DeleteSecretCommand({SecretId: 'delete/a', ForceDeleteWithoutRecovery: true}))
    expect(await failure(sm.send(new DescribeSecretCommand({SecretId: 'delete/a'})))).toMatchObject({name: 'ResourceNotFoundException'})
    expect(await failure(sm.send(new DeleteSecretCommand({SecretId: 'x', RecoveryWindowInDays: 3})))).toMatchObject({name: 'InvalidParameterException'})
  })

  it('requires a SigV4 Authorization header and checks the signature', async () => {
    const unsigned = await fetch(fx.emulator.endpoint, {
      method: 'POST',
      headers: {'x-amz-target': 'secretsmanager.ListSecrets', 'content-type': 'application/x-amz-json-1.1'},
      body: '{}',
    })
    expect(unsigned.status).toBe(400)
    expect(await unsigned.json()).toMatchObject({__type: 'MissingAuthenticationTokenException'})
    const forged = new SecretsManagerClient({
      region: fx.emulator.region,
      endpoint: fx.emulator.endpoint,
      credentials: {accessKeyId: TEST_CREDENTIALS.accessKeyId, secretAccessKey: 'not-the-key'},
      maxAttempts: 1,
    })
    const stranger = new SecretsManagerClient({
      region: fx.emulator.region,
      endpoint: fx.emulator.endpoint,
      credentials: {accessKeyId: 'AKIAUNKNOWN', secretAccessKey: 'x'},
      maxAttempts: 1,
    })
    expect(await failure(forged.send(new ListSecretsCommand({})))).toMatchObject({name: 'InvalidSignatureException'})
    expect(await failure(stranger.send(new ListSecretsCommand({})))).toMatchObject({name: 'UnrecognizedClientException'})
    forged.destroy()
    stranger.destroy()
  })

  it('injects faults by script and by seeded rate, and counts calls', async () => {
    const before = fx.emulator.calls.ListSecrets ?? 0
    fx.emulator.faults.failNext('ListSecrets', 'throttle', 'server-error', 'reset')
    expect(await failure(sm.send(new ListSecretsCommand({})))).toMatchObject({name: 'ThrottlingException'})
    expect(await failure(sm.send(new ListSecretsCommand({})))).toMatchObject({name: 'InternalServiceError', $metadata: {httpStatusCode: 500}})
    expect(await failure(sm.send(new ListSecretsCommand({})))).toMatchObject({code: 'ECONNRESET'})
    await expect(sm.send(new ListSecretsCommand({}))).resolves.toBeDefined()
    expect(fx.emulator.calls.ListSecrets - before).toBe(4)

    const outcomes = async (seed: number) => {
      fx.emulator.faults.set('ListSecrets', {throttleRate: 0.5}).reseed(seed)
      const results: boolean[] = []
      for (let i = 0; i < 20; i++) results.push((await failure(sm.send(new ListSecretsCommand({})))) === undefined)
      return results
    }
    const first = await outcomes(42)
    expect(await outcomes(42)).toEqual(first)
    expect(first.filter(Boolean).length).toBeGreaterThan(0)
    expect(first.filter((ok) => !ok).length).toBeGreaterThan(0)
    fx.emulator.faults.clear()
  })

  it('answers AccessDeniedException in the real message format for a denied action', async () => {
    fx.emulator.faults.deny('GetSecretValue')
    try {
      const denied = await failure(sm.send(new GetSecretValueCommand({SecretId: 'read/a'})))
      expect(denied).toMatchObject({
        name: 'AccessDeniedException',
        message: expect.stringMatching(/is not authorized to perform: secretsmanager:GetSecretValue on resource: read\/a because/),
      })
    } finally {
      fx.emulator.faults.allow('GetSecretValue')
    }
  })
})
