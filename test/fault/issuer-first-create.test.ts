/**
 * Crash safety of a secret's FIRST creation at a minting issuer: before the first store write the
 * primary has no meta to hold the intent, only the audit log does. A SIGKILL right after the mint
 * (and before any store write) must not leave a credential that no store knows once the next run
 * has converged (docs/issuers.md "First creation at a minting issuer").
 */
import {readFile} from 'node:fs/promises'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {json} from '../support/cli.js'
import {currentValues, expectAuditVerifies} from './support/checks.js'
import {makeIssuerWorld, memoryIssuerBinding} from './support/issuer-world.js'
import {at, KILL_AT} from './support/world.js'

const CREATED = at(0)
const NEXT = at(0, 1)

describe('first creation at a minting issuer, killed between mint and the first store write', () => {
  it('the next run revokes the orphaned credential before creating, and leaves nothing no store knows', {timeout: 300_000}, async () => {
    const world = await makeIssuerWorld('issuer-first-create', async ({dir}) => memoryIssuerBinding(dir, {mints: true}))
    try {
      // Step labels of an undisturbed first creation, in a copy of the world.
      const log = join(world.dir, 'checkpoints.log')
      const counting = await makeIssuerWorld('issuer-first-create-count', async ({dir}) => memoryIssuerBinding(dir, {mints: true}))
      let labels: string[]
      try {
        const run = await counting.cli(['apply', '--yes'], CREATED, {preload: [KILL_AT], env: {ROTOR_CHECKPOINT_LOG: join(counting.dir, 'checkpoints.log')}})
        expect(run.code, run.stderr).toBe(0)
        labels = (await readFile(join(counting.dir, 'checkpoints.log'), 'utf8')).trim().split('\n')
      } finally {
        await counting.close()
      }
      const n = labels.findIndex((l) => l.split(' ')[1] === 'issue') + 1
      expect(n, labels.join('\n')).toBeGreaterThan(0)
      // The mint is the first change: no store write comes before it.
      expect(labels.slice(0, n - 1).filter((l) => /stage|write|create|promote|meta/.test(l.split(' ')[1])), labels.join('\n')).toEqual([])

      const killed = await world.cli(['apply', '--yes', '--json'], CREATED, {preload: [KILL_AT], env: {ROTOR_KILL_AT: String(n), ROTOR_CHECKPOINT_LOG: log}})
      expect(killed.code, `the run was not killed: ${killed.stderr}`).toBe(128)
      const orphans = await world.binding.accepted()
      expect(orphans, 'the killed run minted one credential').toHaveLength(1)
      expect((await world.inspect()).every((s) => s.current === undefined), 'no store was written').toBe(true)

      const recovery = await world.cli(['apply', '--yes', '--json'], NEXT)
      expect(recovery.code, recovery.stdout + recovery.stderr).toBe(0)
      const states = await world.inspect()
      const values = currentValues(states)
      for (const value of values) expect(await world.binding.authenticates(value)).toBe(true)
      const stored = new Set(values.map((v) => (JSON.parse(v) as {id: string}).id))
      const accepted = await world.binding.accepted()
      expect(accepted.filter((id) => !stored.has(id)), 'credentials accepted at the issuer that no store holds').toEqual([])
      expect(accepted).not.toContain(orphans[0])

      const entries = await world.auditEntries()
      const closed = new Set(entries.flatMap((e) => (typeof e.intent === 'number' ? [e.intent] : [])))
      expect(entries.filter((e) => e.outcome === 'intent' && !closed.has(e.seq as number)), 'intents nobody resolved').toEqual([])
      expect(entries.some((e) => e.action === 'revoke' && e.outcome === 'ok' && String(e.reason).includes(orphans[0]))).toBe(true)
      await expectAuditVerifies((args) => world.cli(args, NEXT), 'after recovery')

      const settled = await world.cli(['plan', '--detailed-exitcode', '--json'], NEXT)
      expect(settled.code, settled.stdout).toBe(0)
      expect(json(settled)).toMatchObject({actions: [], blocked: []})
    } finally {
      await world.close()
    }
  })
})
