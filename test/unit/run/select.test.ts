import fc from 'fast-check'
import {describe, expect, it} from 'vitest'
import {UsageError} from '../../../src/errors/index.js'
import {inShard, parseShard, pickSecrets, selectSecrets} from '../../../src/run/select.js'
import type {SecretConfig} from '../../../src/config/types.js'
import {config, secret} from '../plan/fixtures.js'

const fleet = config(
  secret({name: 'payments-api', environment: 'production', labels: {team: 'payments'}}),
  secret({name: 'payments-db', environment: 'staging', labels: {team: 'payments'}}),
  secret({name: 'search-key', environment: 'production', labels: {team: 'search'}}),
)
const names = (list: {name: string}[]) => list.map((s) => s.name)

describe('--select', () => {
  it('matches names, globs, environments and labels, OR-ed', () => {
    expect(names(selectSecrets(fleet, ['payments-*']))).toEqual(['payments-api', 'payments-db'])
    expect(names(selectSecrets(fleet, ['env:production']))).toEqual(['payments-api', 'search-key'])
    expect(names(selectSecrets(fleet, ['label:team=search', 'payments-db']))).toEqual(['payments-db', 'search-key'])
    expect(names(selectSecrets(fleet, ['search-key,payments-api']))).toEqual(['payments-api', 'search-key'])
    expect(names(selectSecrets(fleet, []))).toHaveLength(3)
  })

  it('rejects a plain name that matches nothing, listing the known ones', () => {
    expect(() => selectSecrets(fleet, ['payment-api'])).toThrow(UsageError)
    expect(() => selectSecrets(fleet, ['payment-api'])).toThrow(/no secret named "payment-api"/)
  })

  it('rejects a glob, env: or label: that matches nothing, listing names, environments and labels', () => {
    for (const pattern of ['env:prod', 'paymnts-*', 'label:team=nobody']) {
      let error: unknown
      try {
        selectSecrets(fleet, [pattern])
      } catch (e) {
        error = e
      }
      expect(error).toBeInstanceOf(UsageError)
      expect((error as UsageError).message).toContain(`--select ${pattern} matches no secret`)
      expect((error as UsageError).hint).toContain('env:production')
      expect((error as UsageError).hint).toContain('payments-api')
      expect((error as UsageError).hint).toContain('label:team=search')
    }
  })
})

describe('--shard', () => {
  it('parses i/n and rejects anything else', () => {
    expect(parseShard('2/4')).toEqual({index: 2, count: 4})
    for (const bad of ['0/4', '5/4', '2', 'a/b', '1/0']) expect(() => parseShard(bad)).toThrow(/--shard/)
  })

  it('puts every secret in exactly one shard, whatever the fleet', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/), {maxLength: 60}), fc.integer({min: 1, max: 8}), (list, count) => {
        const secrets = list.map((name) => secret({name}))
        const shards = Array.from({length: count}, (_, i) => names(inShard(secrets, {index: i + 1, count})))
        expect(shards.flat().sort()).toEqual([...list].sort())
      }),
    )
  })

  it('keeps a secret on its shard when others are added', () => {
    const before = Array.from({length: 50}, (_, i) => secret({name: `s-${i}`}))
    const after = [...before, ...Array.from({length: 50}, (_, i) => secret({name: `new-${i}`}))]
    for (let index = 1; index <= 3; index++) {
      const was = names(inShard(before, {index, count: 3}))
      expect(names(inShard(after, {index, count: 3})).filter((n) => n.startsWith('s-'))).toEqual(was)
    }
  })

  it('applies --select before --shard', () => {
    const all = pickSecrets(fleet, {select: ['payments-*']})
    const union = [1, 2].flatMap((i) => names(pickSecrets(fleet, {select: ['payments-*'], shard: `${i}/2`})))
    expect(union.sort()).toEqual(names(all).sort())
  })
})

describe('--select over a large fleet', () => {
  /** The matching rule as it was written before names were looked up in a set: one scan per pattern. */
  function reference(list: SecretConfig[], patterns: string[]): string[] | 'error' {
    const flat = patterns.flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean)
    if (flat.length === 0) return names(list)
    for (const p of flat) if (!/[*?:]/.test(p) && !list.some((s) => s.name === p)) return 'error'
    const match = (s: SecretConfig, p: string) => {
      if (p.startsWith('env:')) return s.environment === p.slice(4)
      if (p.startsWith('label:')) {
        const [key, value] = p.slice(6).split('=', 2)
        return value === undefined ? key in s.labels : s.labels[key] === value
      }
      return new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(s.name)
    }
    const selected = list.filter((s) => flat.some((p) => match(s, p)))
    return selected.length === 0 ? 'error' : names(selected)
  }

  const big = config(
    ...Array.from({length: 3000}, (_, i) =>
      secret({name: `svc-${i % 7}.key-${i}`, environment: i % 3 === 0 ? 'production' : 'staging', labels: {team: `t${i % 5}`}}),
    ),
  )
  const pattern = fc.oneof(
    fc.integer({min: 0, max: 3100}).map((i) => `svc-${i % 7}.key-${i}`),
    fc.constantFrom('svc-1.*', 'svc-?.key-1?', '*-2999', 'env:production', 'env:nowhere', 'label:team=t3', 'label:team', 'label:other', 'svc-1.key-1,svc-2.key-2'),
  )

  it('selects what the one-scan-per-pattern rule selected, in file order, and fails where it failed', () => {
    fc.assert(
      fc.property(fc.array(pattern, {maxLength: 40}), (patterns) => {
        const expected = reference(big.secrets, patterns)
        if (expected === 'error') expect(() => selectSecrets(big, patterns)).toThrow(UsageError)
        else expect(names(selectSecrets(big, patterns))).toEqual(expected)
      }),
      {numRuns: 60},
    )
  })

  it('takes thousands of names at once', () => {
    const wanted = big.secrets.filter((_, i) => i % 2 === 1).map((s) => s.name)
    expect(names(selectSecrets(big, wanted))).toEqual(wanted)
  })
})
