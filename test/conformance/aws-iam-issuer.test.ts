/**
 * The aws-iam issuer against moto (real SDK, real IAM/STS wire protocol), in moto's IAM auth mode
 * so a wrong, deleted or inactive key is refused (test/support/moto.ts). `authenticates` is an STS
 * call signed with the key, straight to moto: independent of the issuer's own `check`.
 */
import {CreateAccessKeyCommand, PutUserPolicyCommand} from '@aws-sdk/client-iam'
import {afterAll, describe, expect, it} from 'vitest'
import {awsIamCapabilities, awsIamIssuerFactory} from '../../providers/issuers/aws-iam/factory.js'
import {issuerRegistry} from '../../providers/issuers/registry.js'
import type {IssuerClient} from '../../providers/issuers/types.js'
import {SecretValue} from '../../providers/types.js'
import {parseConfig} from '../../src/config/index.js'
import {AuthError, ConflictError, NotFoundError} from '../../src/errors/index.js'
import {adminIam, authenticatesAs, createIamUser, iamKeys, type MotoServer, motoUnavailable, startMoto} from '../support/moto.js'
import {runIssuerConformance} from './issuer-suite.js'

const unavailable = motoUnavailable()
if (unavailable) console.warn(`\n!!! SKIPPING the aws-iam issuer conformance: ${unavailable}\n`)

let started: Promise<MotoServer> | undefined
const moto = () => (started ??= startMoto())

async function client(user: string, server: MotoServer, endpoint = server.endpoint): Promise<IssuerClient> {
  const settings = awsIamIssuerFactory.settings.parse({region: server.region, endpoint})
  const binding = awsIamIssuerFactory.binding.parse({user})
  return awsIamIssuerFactory.create('ci-iam', settings, binding, {
    baseDir: process.cwd(),
    env: {AWS_ACCESS_KEY_ID: server.admin.accessKeyId, AWS_SECRET_ACCESS_KEY: server.admin.secretAccessKey},
    now: () => new Date(),
  })
}

describe.skipIf(unavailable !== undefined)('aws-iam issuer on moto', () => {
  afterAll(async () => {
    if (started) await (await started).stop()
  })

  runIssuerConformance('aws-iam (moto)', awsIamIssuerFactory, awsIamCapabilities, async () => {
    const server = await moto()
    const user = await createIamUser(server)
    const issuer = await client(user, server)
    return {client: issuer, authenticates: (value) => authenticatesAs(server, user, value.fields()), close: () => issuer.close()}
  })

  it('blocks with a hint naming both keys when the user already has two that rotor holds neither of', async () => {
    const server = await moto()
    const user = await createIamUser(server)
    const iam = await adminIam(server)
    const foreign = [
      (await iam.send(new CreateAccessKeyCommand({UserName: user}))).AccessKey!.AccessKeyId!,
      (await iam.send(new CreateAccessKeyCommand({UserName: user}))).AccessKey!.AccessKeyId!,
    ]
    iam.destroy()
    const issuer = await client(user, server)
    const error = await issuer.issue({rotationId: 'rot-foreign', keep: []}).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(ConflictError)
    expect((error as ConflictError).message).toContain(foreign[0])
    expect((error as ConflictError).message).toContain(foreign[1])
    expect((error as ConflictError).message).toContain('rotor holds neither')
    expect((error as ConflictError).hint).toContain(`aws iam delete-access-key --user-name ${user}`)
    // Nothing was touched: both foreign keys are still there and active.
    expect((await iamKeys(server, user)).map((k) => k.status)).toEqual(['Active', 'Active'])
    await issuer.close()
  })

  it('refuses a key of another IAM user in check, and a value that is no access key, without echoing a secret', async () => {
    const server = await moto()
    const [mine, other] = [await createIamUser(server), await createIamUser(server)]
    const otherIssuer = await client(other, server)
    const otherKey = await otherIssuer.issue({rotationId: 'rot-other', keep: []})
    const issuer = await client(mine, server)
    const error = await issuer.check(otherKey.value).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(AuthError)
    expect((error as Error).message).toContain(`not as IAM user ${mine}`)
    expect((error as Error).message).not.toContain(otherKey.value.fields()!.secretAccessKey)
    await expect(issuer.check(new SecretValue('not-an-access-key'))).rejects.toBeInstanceOf(AuthError)
    await Promise.all([issuer.close(), otherIssuer.close()])
  })

  it('check refuses an Inactive key and accepts it again after reactivate; a deleted key cannot be reactivated', async () => {
    const server = await moto()
    const user = await createIamUser(server)
    const issuer = await client(user, server)
    const issued = await issuer.issue({rotationId: 'rot-inactive', keep: []})
    await issuer.revoke(issued.id, 'deactivate')
    await expect(issuer.check(issued.value)).rejects.toBeInstanceOf(AuthError)
    await issuer.reactivate!(issued.id)
    await expect(issuer.check(issued.value)).resolves.toBeUndefined()
    await issuer.revoke(issued.id, 'delete')
    await expect(issuer.reactivate!(issued.id)).rejects.toBeInstanceOf(NotFoundError)
    await issuer.close()
  })

  it('doctor names each IAM permission the admin lacks, and the user keeps its keys', async () => {
    const server = await moto()
    const user = await createIamUser(server)
    const iam = await adminIam(server)
    const limited = await createIamUser(server, 'rotor-limited')
    await iam.send(
      new PutUserPolicyCommand({
        UserName: limited,
        PolicyName: 'list-only',
        PolicyDocument: JSON.stringify({Version: '2012-10-17', Statement: [{Effect: 'Allow', Action: ['iam:ListAccessKeys'], Resource: '*'}]}),
      }),
    )
    const key = (await iam.send(new CreateAccessKeyCommand({UserName: limited}))).AccessKey!
    iam.destroy()
    const settings = awsIamIssuerFactory.settings.parse({region: server.region, endpoint: server.endpoint})
    const issuer = await awsIamIssuerFactory.create('ci-iam', settings, awsIamIssuerFactory.binding.parse({user}), {
      baseDir: process.cwd(),
      env: {AWS_ACCESS_KEY_ID: key.AccessKeyId!, AWS_SECRET_ACCESS_KEY: key.SecretAccessKey!},
      now: () => new Date(),
    })
    const checks = await issuer.doctor()
    expect(checks).toContainEqual(expect.objectContaining({check: `iam:ListAccessKeys on user ${user}`, ok: true}))
    for (const action of ['UpdateAccessKey', 'DeleteAccessKey']) {
      const check = checks.find((c) => c.check === `iam:${action} on user ${user}`)
      expect(check?.ok).toBe(false)
      expect(check?.hint).toContain(`iam:${action}`)
    }
    await issuer.close()
  })

  it('doctor names a missing IAM user instead of passing', async () => {
    const server = await moto()
    const issuer = await client('no-such-user', server)
    const checks = await issuer.doctor()
    expect(checks).toContainEqual(expect.objectContaining({check: 'IAM user no-such-user exists', ok: false}))
    await issuer.close()
  })
})

describe('aws-iam issuer factory (no moto needed)', () => {
  it('is registered as aws-iam and parses settings and binding (the user alone)', () => {
    expect(issuerRegistry['aws-iam']).toBe(awsIamIssuerFactory)
    expect(awsIamIssuerFactory.binding.parse({user: 'ci-deployer'})).toEqual({user: 'ci-deployer'})
    expect(awsIamIssuerFactory.binding.safeParse({user: 'bad name!'}).success).toBe(false)
    // deleteAfter is the key every issuer kind shares (the engine's, default 1d), not the binding's.
    expect(awsIamIssuerFactory.binding.safeParse({user: 'u', deleteAfter: '1d'}).success).toBe(false)
    expect(awsIamIssuerFactory.binding.safeParse({user: 'u', roles: ['x']}).success).toBe(false)
    expect(awsIamIssuerFactory.settings.parse({region: 'eu-west-1'})).toEqual({region: 'eu-west-1', allowInsecureTransport: false})
    const remote = awsIamIssuerFactory.settings.safeParse({region: 'eu-west-1', endpoint: 'http://iam.example.com'})
    expect(remote.success).toBe(false)
    expect(JSON.stringify(remote.error?.issues)).toContain('iam.example.com')
    expect(awsIamIssuerFactory.settings.safeParse({region: 'eu-west-1', endpoint: 'http://iam.example.com', allowInsecureTransport: true}).success).toBe(true)
    expect(awsIamIssuerFactory.capabilities({user: 'u'})).toEqual({accepts: false, mints: true, maxValid: 2, deactivates: true, lists: true})
    expect(awsIamIssuerFactory.fields).toEqual(['accessKeyId', 'secretAccessKey'])
    expect(awsIamIssuerFactory.secretField).toBe('secretAccessKey')
  })

  it('takes deleteAfter on an aws-iam secret as the shared key: validated, kept in ms, 1d by default', () => {
    const config = (issuer: string) => `version: 1
stores:
  local: {type: file}
issuers:
  ci-iam: {type: aws-iam, region: eu-west-1}
secrets:
  ci-key:
    maxAge: 30d
    grace: 1d
    issuer: ${issuer}
    targets: [local:ci-key]
`
    const parsed = parseConfig(config('{name: ci-iam, user: ci-deployer, deleteAfter: 3d}'), 'rotor.yaml', {})
    expect(parsed.secrets[0].issuer).toEqual({name: 'ci-iam', binding: {user: 'ci-deployer'}, deleteAfterMs: 3 * 86_400_000})
    expect(parseConfig(config('{name: ci-iam, user: ci-deployer}'), 'rotor.yaml', {}).secrets[0].issuer?.deleteAfterMs).toBe(86_400_000)
    expect(() => parseConfig(config('{name: ci-iam, user: ci-deployer, deleteAfter: soon}'), 'rotor.yaml', {})).toThrow(/deleteAfter/)
  })

  it('prints the IAM policy: the four key actions on exactly the bound users, in the region\'s partition', () => {
    const policy = awsIamIssuerFactory.policy!({
      issuerName: 'ci-iam',
      settings: {region: 'cn-north-1'},
      bindings: [
        {secret: 'a', binding: {user: 'ci-deployer'}},
        {secret: 'b', binding: {user: 'backup'}},
        {secret: 'c', binding: {user: 'ci-deployer'}},
      ],
    })
    expect(policy.format).toBe('json')
    expect(JSON.parse(policy.document)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'RotorRotatesTheseUsersKeys',
          Effect: 'Allow',
          Action: ['iam:CreateAccessKey', 'iam:ListAccessKeys', 'iam:UpdateAccessKey', 'iam:DeleteAccessKey'],
          Resource: ['arn:aws-cn:iam::*:user/backup', 'arn:aws-cn:iam::*:user/ci-deployer'],
        },
      ],
    })
    expect(policy.notes?.join('\n')).toContain('account')
  })
})
