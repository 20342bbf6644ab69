import {describe, expect, it} from 'vitest'
import {quickSecret, WELL_FORMED_TARGET} from '../../../src/config/quick-secret.js'
import {secretSchema, targetRefProblem} from '../../../src/config/schema.js'
import {pick, prng} from './helpers.js'

// Values for each field: valid ones and near misses of every kind.
const VALUES: Record<string, unknown[]> = {
  description: ['payments key', '', 1, null, ['x']],
  schedule: [
    '0 3 * * *', '@daily', '', 5, null, {cron: '0 3 1 1 *', timezone: 'Europe/Berlin'}, {cron: '0 3 * * *'}, {cron: '0 3 * * *', timezone: null},
    {cron: 1}, {timezone: 'UTC'}, {cron: '0 3 * * *', timezone: 'UTC', extra: 1}, {}, [],
  ],
  maxAge: ['90d', '10d', '1h30m', '24h', '90', 90, '1.5h', '-1d', '', '2y', null, ' 30d '],
  grace: ['1h', '2d', '0s', 'x', 3, null],
  retire: ['disable', 'destroy', 'Disable', '', null],
  environment: ['production', 'stage-2', 'Prod', '-x', '', 5],
  labels: [{}, {team: 't1'}, {team: 't1', 'app.io/tier': 'gold'}, {team: 1}, {'managed-by': 'me'}, {'bad key': 'x'}, {_x: 'y'}, [], null, 'team'],
  adopt: [true, false, 'yes', 0, null],
  targets: [
    ['one:app/s1'], ['one:app/s1', 'two:app/s1'], [], ['one'], ['one:/abs'], ['one:a//b'], ['One:x'], [1], 'one:app', null, ['one:a/../b'], ['one:'],
  ],
  generator: [{length: 32}, {}],
  verify: [{command: {command: ['./x']}}],
  env: ['PAYMENTS_KEY'],
  passEnv: [['HOME']],
  unknown: ['x'],
}
const FIELDS = Object.keys(VALUES)

function randomSecret(random: () => number): Record<string, unknown> {
  const secret: Record<string, unknown> = {}
  const count = Math.floor(random() * 6)
  if (random() < 0.9) secret.targets = pick(random, VALUES.targets.slice(0, 2))
  for (let i = 0; i < count; i++) {
    const field = random() < 0.85 ? pick(random, FIELDS.slice(0, 9)) : pick(random, FIELDS)
    const values = VALUES[field]
    // Mostly the valid values, which come first in each list.
    secret[field] = random() < 0.6 ? values[Math.floor(random() * Math.min(3, values.length))] : pick(random, values)
  }
  return secret
}

describe('quickSecret', () => {
  it('returns what secretSchema returns for every entry it accepts, and leaves the rest to zod', () => {
    let accepted = 0
    let declined = 0
    for (let seed = 1; seed <= 5000; seed++) {
      const raw = randomSecret(prng(seed))
      const quick = quickSecret(raw)
      const zod = secretSchema.safeParse(raw)
      if (quick === undefined) {
        declined++
        continue
      }
      accepted++
      expect(zod.success, JSON.stringify(raw)).toBe(true)
      expect(quick, JSON.stringify(raw)).toStrictEqual(zod.data)
    }
    expect(accepted).toBeGreaterThan(1000)
    expect(declined).toBeGreaterThan(1000)
  })

  it('declines fields it does not know, so a new schema field is parsed by zod', () => {
    expect(quickSecret({targets: ['one:a'], generator: {length: 40}})).toBeUndefined()
    expect(quickSecret({targets: ['one:a'], issuer: 'db'})).toBeUndefined()
    expect(quickSecret({targets: ['one:a'], maxAge: '30d'})).toEqual({targets: [{store: 'one', path: 'a'}], maxAge: 30 * 24 * 3600 * 1000, retire: 'disable', labels: {}, adopt: false})
  })

  it('accepts a target exactly when targetRefProblem finds nothing wrong with it', () => {
    const parts = ['one', 'a', '.', '..', '...', '', '/', ':', 'A', '_x', '-', 'b.c', '..x', 'x..', '日', ' ']
    let good = 0
    for (let seed = 1; seed <= 20000; seed++) {
      const random = prng(seed)
      const count = 1 + Math.floor(random() * 6)
      let ref = ''
      for (let i = 0; i < count; i++) ref += pick(random, parts)
      if (random() < 0.7) ref = `${pick(random, ['one', 'two-x', 'One', '', 'a.b'])}:${ref}`
      const ok = targetRefProblem(ref) === undefined
      if (ok) good++
      expect(WELL_FORMED_TARGET.test(ref), ref).toBe(ok)
    }
    expect(good).toBeGreaterThan(1000)
  })
})
