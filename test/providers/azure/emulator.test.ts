/**
 * The emulator itself, on the wire and through the plain SDK: the challenge format, paging with
 * nextLink, PATCH semantics, disabled and expired versions, soft delete, recover and purge.
 * These pin the Key Vault behaviour the adapter relies on (see test/emulators/azure/model.ts).
 */
import {request} from 'node:https'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {type AzureFixture, startAzureFixture} from '../../emulators/azure/fixture.js'
import {EMULATOR_TOKEN} from '../../emulators/azure/server.js'

const caught = (promise: Promise<unknown>) => promise.then(() => undefined, (e: unknown) => e)

function raw(fx: AzureFixture, method: string, path: string, headers: Record<string, string> = {}, body?: string) {
  return new Promise<{status: number; headers: Record<string, unknown>; body: string}>((resolve, reject) => {
    const req = request(`${fx.emulator.vaultUrl}${path}`, {method, headers, ca: fx.emulator.ca}, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')))
      res.on('end', () => resolve({status: res.statusCode ?? 0, headers: res.headers, body: text}))
    })
    req.on('error', reject)
    req.end(body)
  })
}

describe('Key Vault emulator', () => {
  let fx: AzureFixture
  beforeAll(async () => {
    fx = await startAzureFixture()
  })
  afterAll(async () => fx.close())

  it('challenges a request without a token in the format the SDK parses', async () => {
    const answer = await raw(fx, 'GET', '/secrets?api-version=7.5')
    expect(answer.status).toBe(401)
    expect(answer.headers['www-authenticate']).toMatch(/^Bearer authorization="https:\/\/login\.microsoftonline\.com\/[0-9a-f-]+", resource="https:\/\/vault\.azure\.net"$/)
    const authorized = await raw(fx, 'GET', '/secrets?api-version=7.5', {authorization: `Bearer ${EMULATOR_TOKEN}`})
    expect(authorized.status).toBe(200)
    expect(JSON.parse(authorized.body)).toMatchObject({value: expect.any(Array)})
  })

  it('pages versions with nextLink, in id order rather than time order', async () => {
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await fx.raw.setSecret('paged', `v${i}`)).properties.version!)
    const before = fx.emulator.calls.GetSecretVersions ?? 0
    const pages: string[][] = []
    for await (const page of fx.raw.listPropertiesOfSecretVersions('paged').byPage({maxPageSize: 2})) pages.push(page.map((p) => p.version!))
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1])
    expect(fx.emulator.calls.GetSecretVersions! - before).toBe(3)
    expect(pages.flat()).toEqual([...ids].sort())
  })

  it('updates attributes and replaces tags with PATCH, without touching the value', async () => {
    const set = await fx.raw.setSecret('patched', 'keep-me', {tags: {a: '1', b: '2'}, contentType: 'text/plain'})
    const expiresOn = new Date('2032-01-01T00:00:00Z')
    const updated = await fx.raw.updateSecretProperties('patched', set.properties.version!, {tags: {c: '3'}, expiresOn, notBefore: new Date('2031-01-01T00:00:00Z')})
    expect(updated.tags).toEqual({c: '3'})
    expect(updated.expiresOn).toEqual(expiresOn)
    expect(updated.contentType).toBe('text/plain')
    const read = await fx.raw.getSecret('patched')
    expect(read.value).toBe('keep-me')
    // exp and nbf are informational for secrets: reading outside the window still works.
    await fx.raw.updateSecretProperties('patched', set.properties.version!, {expiresOn: new Date('2001-01-01T00:00:00Z')})
    expect((await fx.raw.getSecret('patched')).value).toBe('keep-me')
  })

  it('refuses to read a disabled version, latest or by id, with 403 SecretDisabled', async () => {
    const set = await fx.raw.setSecret('disabled', 'hidden')
    await fx.raw.updateSecretProperties('disabled', set.properties.version!, {enabled: false})
    for (const version of [undefined, set.properties.version!]) {
      const error = await caught(fx.raw.getSecret('disabled', version ? {version} : {}))
      expect(error).toMatchObject({statusCode: 403, code: 'Forbidden', details: {error: {innerError: {code: 'SecretDisabled'}}}})
    }
  })

  it('treats names case-insensitively and keeps the first spelling', async () => {
    await fx.raw.setSecret('MixedCase', 'one')
    await fx.raw.setSecret('mixedcase', 'two')
    expect(fx.emulator.state.versions('MIXEDCASE').versions).toHaveLength(2)
    expect(fx.emulator.state.versions('mixedcase').secret.name).toBe('MixedCase')
  })

  it('refuses more than 15 tags and values over 25 KiB', async () => {
    const tags = Object.fromEntries(Array.from({length: 16}, (_, i) => [`t${i}`, 'x']))
    expect(await caught(fx.raw.setSecret('limits', 'v', {tags}))).toMatchObject({statusCode: 400, code: 'BadParameter'})
    expect(await caught(fx.raw.setSecret('limits', 'x'.repeat(25 * 1024 + 1)))).toMatchObject({statusCode: 400})
  })

  it('soft-deletes, blocks the name with 409, and recovers or purges', async () => {
    await fx.raw.setSecret('gone', 'v0')
    await (await fx.raw.beginDeleteSecret('gone', {intervalInMs: 10})).pollUntilDone()
    expect(await caught(fx.raw.getSecret('gone'))).toMatchObject({statusCode: 404, code: 'SecretNotFound'})
    const blocked = await caught(fx.raw.setSecret('gone', 'v1'))
    expect(blocked).toMatchObject({statusCode: 409, code: 'Conflict', details: {error: {innerError: {code: 'ObjectIsDeletedButRecoverable'}}}})
    const deleted = await fx.raw.getDeletedSecret('gone')
    expect(deleted.properties.recoveryId).toBe(`${fx.emulator.vaultUrl}/deletedsecrets/gone`)
    expect(deleted.properties.scheduledPurgeDate!.getTime()).toBeGreaterThan(deleted.properties.deletedOn!.getTime())

    await (await fx.raw.beginRecoverDeletedSecret('gone', {intervalInMs: 10})).pollUntilDone()
    expect((await fx.raw.getSecret('gone')).value).toBe('v0')

    await (await fx.raw.beginDeleteSecret('gone', {intervalInMs: 10})).pollUntilDone()
    await fx.raw.purgeDeletedSecret('gone')
    expect(await caught(fx.raw.getDeletedSecret('gone'))).toMatchObject({statusCode: 404})
    expect((await fx.raw.setSecret('gone', 'fresh')).value).toBe('fresh')
  })

  it('injects latency, scripted faults and RBAC refusals per operation', async () => {
    fx.emulator.faults.failNext('GetSecrets', 'server-error')
    expect(await caught(fx.raw.listPropertiesOfSecrets().next())).toMatchObject({statusCode: 500})
    fx.emulator.faults.deny('GetSecrets')
    // The SDK's pager keeps only the status and code of a failed page, so look at the wire.
    const denied = await raw(fx, 'GET', '/secrets?api-version=7.5', {authorization: `Bearer ${EMULATOR_TOKEN}`})
    expect(denied.status).toBe(403)
    const {error} = JSON.parse(denied.body) as {error: {code: string; message: string; innererror: {code: string}}}
    expect(error).toMatchObject({code: 'Forbidden', innererror: {code: 'ForbiddenByRbac'}})
    expect(error.message).toContain("Action: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'")
    fx.emulator.faults.clear()
    expect(fx.emulator.faults.set('*', {latencyMs: 20}).latencyFor('GetSecret')).toBe(20)
    fx.emulator.faults.clear()
  })
})
