/**
 * The issuer contract (providers/issuers/types.ts) as executable cases. Every issuer runs this
 * same suite against a real system: PostgreSQL against a private cluster, AWS IAM against moto,
 * commands against a small HTTP service, memory in process. Each fixture brings an independent
 * way to log in with a value (a pg client, an STS call, the service itself), so `check` is never
 * judged by `check` alone.
 */
import {afterAll, describe, expect, it} from 'vitest'
import {AuthError, ConflictError} from '../../src/errors/index.js'
import {SecretValue} from '../../providers/types.js'
import type {IssuerCapabilities, IssuerClient, IssuerFactory} from '../../providers/issuers/types.js'

export interface IssuerFixture {
  /** A fresh binding (its own roles, user or key set), so cases do not see each other's credentials. */
  client: IssuerClient
  /** Logs in with the value through the system itself, not through the client: true when accepted. */
  authenticates(value: SecretValue): Promise<boolean>
  close(): Promise<void>
}

const generated = (n: number) => new SecretValue(`Gen-${n}-${Math.random().toString(36).slice(2)}-x9Q`)

export function runIssuerConformance(
  name: string,
  factory: Pick<IssuerFactory, 'fields' | 'secretField'>,
  capabilities: IssuerCapabilities,
  makeFixture: () => Promise<IssuerFixture>,
): void {
  describe(`issuer contract: ${name}`, () => {
    const fixtures: IssuerFixture[] = []
    let counter = 0
    const fresh = async () => {
      const fixture = await makeFixture()
      fixtures.push(fixture)
      return fixture
    }
    const issue = (client: IssuerClient, keep: string[]) =>
      client.issue({rotationId: `rot-conf-${++counter}`, keep, ...(capabilities.accepts ? {secret: generated(counter)} : {})})

    afterAll(async () => {
      for (const f of fixtures) await f.close()
    })

    it('declares the capabilities its factory advertises, accepting or minting but not both', async () => {
      const {client} = await fresh()
      expect(client.capabilities).toEqual(capabilities)
      expect(capabilities.accepts).not.toBe(capabilities.mints)
    })

    it('issues a structured value whose fields name the credential and hold the secret', async () => {
      const {client, authenticates} = await fresh()
      const secret = capabilities.accepts ? generated(0) : undefined
      const expectedId = client.nextId([])
      const issued = await client.issue({rotationId: 'rot-conf-first', keep: [], ...(secret ? {secret} : {})})
      const fields = issued.value.fields()
      expect(fields).toBeDefined()
      for (const field of factory.fields) expect(typeof fields![field]).toBe('string')
      if (secret) expect(fields![factory.secretField]).toBe(secret.reveal())
      else expect(fields![factory.secretField].length).toBeGreaterThanOrEqual(16)
      expect(client.credentialId(issued.value)).toBe(issued.id)
      if (capabilities.accepts) expect(expectedId).toBe(issued.id)
      else expect(expectedId).toBeUndefined()
      await expect(client.check(issued.value)).resolves.toBeUndefined()
      expect(await authenticates(issued.value)).toBe(true)
      if (capabilities.lists) expect(await client.list()).toContainEqual(expect.objectContaining({id: issued.id, state: 'active'}))
      // The value never shows in how it prints.
      expect(String(issued.value)).not.toContain(fields![factory.secretField])
      expect(JSON.stringify({v: issued.value})).not.toContain(fields![factory.secretField])
    })

    it('refuses a value the system does not accept, with an AuthError that does not echo it', async () => {
      const {client} = await fresh()
      const issued = await issue(client, [])
      const fields = issued.value.fields()!
      const wrong = SecretValue.fromFields({...fields, [factory.secretField]: `${fields[factory.secretField]}-wrong`})
      const error = await client.check(wrong).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(AuthError)
      expect((error as Error).message).not.toContain(fields[factory.secretField])
    })

    it.skipIf(capabilities.maxValid < 2)('keeps the kept credential valid while it issues the next one (grace)', async () => {
      const {client, authenticates} = await fresh()
      const first = await issue(client, [])
      const second = await issue(client, [first.id])
      expect(second.id).not.toBe(first.id)
      expect(await authenticates(first.value)).toBe(true)
      expect(await authenticates(second.value)).toBe(true)
      await expect(client.check(first.value)).resolves.toBeUndefined()
      await expect(client.check(second.value)).resolves.toBeUndefined()
    })

    it.skipIf(capabilities.maxValid < 2)('refuses a third credential while two are kept, naming why', async () => {
      const {client, authenticates} = await fresh()
      const first = await issue(client, [])
      const second = await issue(client, [first.id])
      const error = await issue(client, [first.id, second.id]).then(
        () => undefined,
        (e: unknown) => e,
      )
      expect(error).toBeInstanceOf(ConflictError)
      expect((error as ConflictError).hint ?? '').not.toBe('')
      expect(await authenticates(first.value)).toBe(true)
      expect(await authenticates(second.value)).toBe(true)
    })

    it('revokes a credential so it no longer logs in, idempotently, leaving the kept one working', async () => {
      const {client, authenticates} = await fresh()
      const first = await issue(client, [])
      const second = capabilities.maxValid === 2 ? await issue(client, [first.id]) : undefined
      await client.revoke(first.id, 'delete')
      await client.revoke(first.id, 'delete')
      expect(await authenticates(first.value)).toBe(false)
      await expect(client.check(first.value)).rejects.toBeInstanceOf(AuthError)
      if (second) expect(await authenticates(second.value)).toBe(true)
      if (capabilities.lists) {
        const listed = (await client.list()).find((c) => c.id === first.id)
        expect(listed === undefined || listed.state === 'inactive').toBe(true)
      }
    })

    it.skipIf(!capabilities.deactivates)('deactivates reversibly: refused, then accepted again after reactivate', async () => {
      const {client, authenticates} = await fresh()
      const first = await issue(client, [])
      await client.revoke(first.id, 'deactivate')
      expect(await authenticates(first.value)).toBe(false)
      if (capabilities.lists) expect(await client.list()).toContainEqual(expect.objectContaining({id: first.id, state: 'inactive'}))
      await client.reactivate!(first.id)
      expect(await authenticates(first.value)).toBe(true)
      await client.revoke(first.id, 'delete')
      expect(await authenticates(first.value)).toBe(false)
    })

    it.skipIf(capabilities.maxValid < 2)('issues again into the slot a revoked credential left', async () => {
      const {client, authenticates} = await fresh()
      const first = await issue(client, [])
      const second = await issue(client, [first.id])
      await client.revoke(first.id, 'delete')
      const third = await issue(client, [second.id])
      expect(await authenticates(second.value)).toBe(true)
      expect(await authenticates(third.value)).toBe(true)
      expect(await authenticates(first.value)).toBe(false)
      if (capabilities.lists) expect((await client.list()).filter((c) => c.state === 'active')).toHaveLength(2)
    })

    it('reports its permissions in doctor without changing a credential', async () => {
      const {client, authenticates} = await fresh()
      const first = await issue(client, [])
      const checks = await client.doctor()
      expect(checks.length).toBeGreaterThan(0)
      expect(checks.filter((c) => !c.ok)).toEqual([])
      expect(await authenticates(first.value)).toBe(true)
    })
  })
}
