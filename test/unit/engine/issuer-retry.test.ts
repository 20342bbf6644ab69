import {describe, expect, it} from 'vitest'
import {SecretValue} from '../../../providers/types.js'
import {MemoryIssuerSystem} from '../../../providers/issuers/memory/client.js'
import type {IssueRequest, Issued} from '../../../providers/issuers/types.js'
import type {RotorConfig} from '../../../src/config/types.js'
import {finishing, StoreSet} from '../../../src/engine/stores.js'
import {AuthError, ThrottledError, UnavailableError} from '../../../src/errors/index.js'

const account = 'retry-test'

function config(): RotorConfig {
  return {
    file: '/x/rotor.yaml',
    baseDir: '/x',
    version: 1,
    audit: {path: '/x/.rotor/audit.log'},
    stores: {},
    issuers: {mem: {name: 'mem', type: 'memory', settings: {}}},
    secrets: [{name: 'db', issuer: {name: 'mem', binding: {account, maxValid: 2, deactivates: false}}, targets: [{store: 'one', path: 'db'}]}],
  } as unknown as RotorConfig
}

/**
 * Makes the next `failures` calls of `method` on the memory issuer's one client throw `error`
 * (patched on the class, so it is the SAME instance the StoreSet opened that sees the retries).
 */
async function openWithFaults(method: 'issue' | 'check' | 'list', errors: Error[], options: {signal?: AbortSignal} = {}) {
  const delays: number[] = []
  const set = new StoreSet(config(), {now: () => new Date(), baseDir: '/x'} as never, {policy: {attempts: 4, baseMs: 1, capMs: 2}, hooks: {sleep: async (ms) => void delays.push(ms), random: () => 0}}, options.signal)
  const client = await set.issuer(config().secrets[0])
  const {MemoryIssuerClient} = await import('../../../providers/issuers/memory/client.js')
  const seen: Array<{self: unknown; args: unknown[]}> = []
  const original = MemoryIssuerClient.prototype[method] as (...args: unknown[]) => Promise<unknown>
  const queue = [...errors]
  const restore = () => {
    MemoryIssuerClient.prototype[method] = original as never
  }
  MemoryIssuerClient.prototype[method] = async function (this: unknown, ...args: unknown[]) {
    seen.push({self: this, args})
    const error = queue.shift()
    if (error) throw error
    return original.apply(this, args)
  } as never
  return {client, seen, delays, restore}
}

describe('issuer clients from the StoreSet: retry, Retry-After, interrupt guard', () => {
  it('retries a retryable issue on the same client instance with the same rotation id', async () => {
    const {client, seen, restore} = await openWithFaults('issue', [new UnavailableError('timeout'), new UnavailableError('5xx')])
    try {
      const request: IssueRequest = {rotationId: 'rot-1', keep: [], secret: new SecretValue('pw-1')}
      const issued: Issued = await client.issue(request)
      expect(issued.id).toBe(`${account}-a`)
      expect(seen).toHaveLength(3)
      expect(new Set(seen.map((s) => s.self)).size).toBe(1)
      expect(seen.map((s) => (s.args[0] as IssueRequest).rotationId)).toEqual(['rot-1', 'rot-1', 'rot-1'])
      expect(MemoryIssuerSystem.open(undefined).login(account, issued.id, 'pw-1')).toBe(true)
    } finally {
      restore()
    }
  })

  it('waits at least a ThrottledError\'s Retry-After before the next call', async () => {
    const {client, seen, delays, restore} = await openWithFaults('list', [new ThrottledError('slow down', {retryAfterMs: 750})])
    try {
      await client.list()
      expect(seen).toHaveLength(2)
      expect(delays).toEqual([750])
    } finally {
      restore()
    }
  })

  it('retries check on UnavailableError (a new key not accepted yet) but not on AuthError', async () => {
    const first = await openWithFaults('check', [new UnavailableError('not accepted yet'), new UnavailableError('not accepted yet')])
    const value = SecretValue.fromFields({id: 'x', value: 'y'})
    try {
      await expect(first.client.check(value)).rejects.toBeInstanceOf(AuthError)
      expect(first.seen).toHaveLength(3)
    } finally {
      first.restore()
    }
    const second = await openWithFaults('check', [new AuthError('refused')])
    try {
      await expect(second.client.check(value)).rejects.toThrow('refused')
      expect(second.seen).toHaveLength(1)
    } finally {
      second.restore()
    }
  })

  it('refuses an issuer call not yet started once the run is interrupted, but lets finishing calls through', async () => {
    const controller = new AbortController()
    const {client, seen, restore} = await openWithFaults('list', [], {signal: controller.signal})
    try {
      controller.abort(new Error('interrupted'))
      await expect(client.list()).rejects.toThrow('interrupted')
      expect(seen).toHaveLength(0)
      expect(client.nextId([])).toBe(`${account}-a`)
      await finishing(() => client.list())
      expect(seen).toHaveLength(1)
    } finally {
      restore()
    }
  })
})
