/**
 * examples/command-issuer.yaml as written: its issuer settings and binding parse with the command
 * factory's schemas, its template and env map name fields the value has, and its relative
 * programs (resolved next to the YAML file) register, check and revoke a key at the HTTP service.
 */
import {readFile} from 'node:fs/promises'
import {dirname} from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {commandIssuerFactory} from '../../providers/issuers/command/factory.js'
import {SecretValue} from '../../providers/types.js'
import {withValueFields} from '../../src/config/fields.js'
import type {SecretConfig} from '../../src/config/types.js'
import {AuthError} from '../../src/errors/index.js'
import {startKeyService, type KeyService} from '../support/key-service.js'

const EXAMPLE = fileURLToPath(new URL('../../examples/command-issuer.yaml', import.meta.url))

describe('examples/command-issuer.yaml', () => {
  let service: KeyService
  let doc: {issuers: Record<string, Record<string, unknown>>; secrets: Record<string, Record<string, unknown>>}
  beforeAll(async () => {
    service = await startKeyService()
    doc = parse(await readFile(EXAMPLE, 'utf8'))
  })
  afterAll(async () => {
    await service.stop()
  })

  it('rotates a key at the partner service with the programs it names', async () => {
    const {type, ...rawSettings} = doc.issuers.partner
    expect(type).toBe('command')
    const settings = commandIssuerFactory.settings.parse(rawSettings)
    const secret = doc.secrets['partner-api-key']
    const {name, ...rawBinding} = secret.issuer as Record<string, unknown>
    expect(name).toBe('partner')
    const binding = commandIssuerFactory.binding.parse(rawBinding)
    const config = {name: 'partner-api-key', envFields: secret.env, ...(secret.template ? {template: secret.template} : {})} as unknown as SecretConfig
    expect(withValueFields(config, secret, doc.issuers)).toEqual([])

    const env = {PATH: process.env.PATH, PARTNER_URL: service.url, PARTNER_TOKEN: service.token}
    const client = await commandIssuerFactory.create('partner', settings, binding, {baseDir: dirname(EXAMPLE), env, now: () => new Date()})
    const first = await client.issue({rotationId: 'rot-1', keep: [], secret: new SecretValue('pk_first-example-key-0001')})
    const second = await client.issue({rotationId: 'rot-2', keep: [first.id], secret: new SecretValue('pk_second-example-key-0002')})
    expect([first.id, second.id]).toEqual(['billing-a', 'billing-b'])
    expect(await client.list()).toEqual([
      {id: 'billing-a', state: 'active'},
      {id: 'billing-b', state: 'active'},
    ])
    await client.revoke(first.id, 'delete')
    expect(await service.authenticates('billing-a', 'pk_first-example-key-0001')).toBe(false)
    await expect(client.check(first.value)).rejects.toBeInstanceOf(AuthError)
    await expect(client.check(second.value)).resolves.toBeUndefined()
    // The key went to the service in a request body, never on a command line.
    expect(service.requests).toContain('PUT /keys/billing-b')
  })
})
