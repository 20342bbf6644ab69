/**
 * Two `rotor apply` processes started at the same moment, as two cron hosts would: each has its
 * own config file, audit log and run lock (so the host-local run lock cannot serialise them),
 * and both point at the same stores (two shared file stores, one AWS and one Vault emulator).
 * Every due secret must be rotated exactly once; the run that loses says so and exits 0.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {json} from '../support/cli.js'
import {currentValues, expectConverged} from './support/checks.js'
import {at, closeEmulators, type Emulators, makeWorld, startEmulators} from './support/world.js'

const CREATED = at(0)
const DUE = at(31)
const SECRETS = ['alpha', 'beta', 'gamma']
const ROUNDS = Number(process.env.ROTOR_RACE_ROUNDS ?? 5)

interface Report {
  report?: {results: Array<{action: {kind: string; secret: string}; outcome: string; reason?: string}>}
}

describe('two runners started at the same moment', () => {
  let emulators: Emulators

  beforeAll(async () => {
    emulators = await startEmulators()
  })
  afterAll(async () => {
    await closeEmulators(emulators)
  })

  it.for(Array.from({length: ROUNDS}, (_, i) => i + 1))('round %i: every due secret is rotated exactly once', async (round) => {
    const prefix = `race${round}`
    const first = await makeWorld({name: `${prefix}-a`, prefix, emulators, secrets: SECRETS})
    const second = await makeWorld({name: `${prefix}-b`, prefix, emulators, secrets: SECRETS, shareFilesWith: first.dir})
    try {
      const create = await first.cli(['apply', '--yes', '--json'], CREATED)
      expect(create.code, create.stderr).toBe(0)
      const before = new Map(await Promise.all(SECRETS.map(async (s) => [s, currentValues(await first.inspect(s))[0]] as const)))

      const [a, b] = await Promise.all([first.cli(['apply', '--yes', '--json'], DUE), second.cli(['apply', '--yes', '--json'], DUE)])
      expect(a.code, a.stderr).toBe(0)
      expect(b.code, b.stderr).toBe(0)

      const results = [json<Report>(a), json<Report>(b)].flatMap((r) => r.report?.results ?? [])
      for (const secret of SECRETS) {
        const rotations = results.filter((r) => r.action.secret === secret && r.action.kind === 'rotate')
        expect(rotations.filter((r) => r.outcome === 'ok'), `${secret}: ${JSON.stringify(rotations)}`).toHaveLength(1)
        for (const loser of rotations.filter((r) => r.outcome !== 'ok')) {
          expect(loser.outcome).toBe('skipped')
          expect(loser.reason).toMatch(/lease|another (rotor )?run|another writer/)
        }
        const states = await first.inspect(secret)
        expectConverged(states, before.get(secret)!)
        // Exactly one new version per target: the rotation happened once.
        for (const target of states) expect(target.versions, target.target).toHaveLength(2)
      }

      // Between them, the two audit logs hold one promotion (or write) per target per secret.
      const changes = [...(await first.auditEntries()), ...(await second.auditEntries())].filter(
        (e) => (e.action === 'promote' || e.action === 'write') && e.outcome === 'ok',
      )
      expect(changes).toHaveLength(SECRETS.length * first.targets.length)
    } finally {
      await first.close()
      await second.close()
    }
  })
})
