import {describe, expect, it} from 'vitest'
import {vaultFactory} from '../../../providers/vault/factory.js'
import {parseHcl} from './hcl.js'

const policyFor = (settings: Record<string, unknown>, readOnly = false, destroyPaths: string[] = ['app/key', 'payments/api']) =>
  vaultFactory.policy!({storeName: 'vault', settings: vaultFactory.settings.parse(settings), paths: ['app/key', 'payments/api'], destroyPaths, readOnly})

describe('Vault policy (HCL)', () => {
  it('parses, and grants exactly the KV v2 paths of the listed secrets', () => {
    const out = policyFor({mount: 'kv', pathPrefix: 'teams/pay'})
    expect(out.format).toBe('hcl')
    const blocks = parseHcl(out.document)
    const granted = new Map(blocks.map((b) => [b.label, b.attributes.capabilities]))
    const expected = ['app/key', 'payments/api'].flatMap((p) => [
      [`kv/data/teams/pay/${p}`, ['create', 'read', 'update']],
      [`kv/metadata/teams/pay/${p}`, ['create', 'read', 'update', 'patch']],
      [`kv/delete/teams/pay/${p}`, ['update']],
      [`kv/destroy/teams/pay/${p}`, ['update']],
    ])
    expect(Object.fromEntries(granted)).toEqual(Object.fromEntries(expected))
    for (const block of blocks) {
      expect(block.type).toBe('path')
      expect(block.label).not.toMatch(/[*+]/)
      expect(Object.keys(block.attributes)).toEqual(['capabilities'])
    }
  })

  it('read-only grants read on the data paths only', () => {
    const blocks = parseHcl(policyFor({}, true).document)
    expect(blocks.map((b) => [b.label, b.attributes.capabilities])).toEqual([
      ['secret/data/app/key', ['read']],
      ['secret/data/payments/api', ['read']],
    ])
  })

  it('the parser rejects what is not HCL', () => {
    expect(() => parseHcl('path "a" { capabilities = ["read" }')).toThrow(SyntaxError)
    expect(() => parseHcl('path a { }')).toThrow(SyntaxError)
  })
})
