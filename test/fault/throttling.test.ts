/**
 * The rotation of the fault matrix, this time with the AWS and Vault emulators failing 30% of
 * all calls: throttling (AWS ThrottlingException, Vault 429), 5xx answers and connections reset
 * before an answer (Vault also drops some answers after the write committed). The rotation must
 * complete, lose nothing and write no duplicate version; every retry goes through rotor's one
 * retry helper, bounded and with backoff.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {CliResult} from '../support/cli.js'
import {currentValues, expectConverged, expectNoOutage} from './support/checks.js'
import {at, closeEmulators, type Emulators, makeWorld, startEmulators, type World} from './support/world.js'

const CREATED = at(0)
const DUE = at(31)
const RETRY = /retrying after .* \(attempt (\d+), waiting (\d+) ms\)/g
/** defaultRetryPolicy in src/util/retry.ts. */
const POLICY = {attempts: 6, baseMs: 100, capMs: 10_000}

describe('a rotation while the stores throttle, fail and reset 30% of calls', () => {
  let emulators: Emulators
  let world: World
  let injected = 0
  const runs: CliResult[] = []

  const faultsOn = () => {
    emulators.aws.faults.reseed(20260401).set('*', {throttleRate: 0.1, serverErrorRate: 0.1, resetRate: 0.1})
    emulators.vault.faults.seed(20260401)
    emulators.vault.faults.rates = {throttle: 0.1, error: 0.1, reset: 0.05, lost: 0.05}
  }
  const faultsOff = () => {
    emulators.aws.faults.clear()
    emulators.vault.faults.clear()
  }
  /** apply until nothing is left to do (a run may give up on a call after six attempts). */
  const applyUntilSettled = async (now: string, oldValue?: string) => {
    for (let run = 1; run <= 3; run++) {
      faultsOn()
      const result = await world.cli(['apply', '--yes'], now)
      runs.push(result)
      faultsOff()
      if (oldValue) expectNoOutage(await world.inspect(), oldValue, `after run ${run}`)
      const plan = await world.cli(['plan', '--detailed-exitcode'], now)
      if (plan.code === 0) return run
    }
    throw new Error(`not settled after 3 runs:\n${runs.map((r) => r.stderr).join('\n')}`)
  }

  beforeAll(async () => {
    emulators = await startEmulators()
    // Count what is injected, to bound the retries by it.
    const awsDraw = emulators.aws.faults.draw.bind(emulators.aws.faults)
    emulators.aws.faults.draw = (operation) => {
      const fault = awsDraw(operation)
      if (fault) injected++
      return fault
    }
    const vaultPick = emulators.vault.faults.pick.bind(emulators.vault.faults)
    emulators.vault.faults.pick = (method, path) => {
      const fault = vaultPick(method, path)
      if (fault) injected++
      return fault
    }
    world = await makeWorld({name: 'throttled', emulators})
  })
  afterAll(async () => {
    await world?.close()
    await closeEmulators(emulators)
  })

  it('creates, then rotates, converging with nothing lost and no duplicate version', async () => {
    await applyUntilSettled(CREATED)
    const created = await world.inspect()
    const oldValue = currentValues(created)[0]
    expect(new Set(currentValues(created))).toEqual(new Set([oldValue]))
    for (const target of created) expect(target.versions, target.target).toHaveLength(1)

    await applyUntilSettled(DUE, oldValue)
    const rotated = await world.inspect()
    expectConverged(rotated, oldValue)
    for (const target of rotated) expect(target.versions, target.target).toHaveLength(2)
    expect(injected).toBeGreaterThan(10)
  })

  it('retried through the one helper: bounded attempts, exponential ceilings, real waits', () => {
    const retries = runs.flatMap((r) => [...r.stderr.matchAll(RETRY)].map((m) => ({attempt: Number(m[1]), delayMs: Number(m[2])})))
    expect(retries.length, runs.map((r) => r.stderr).join('\n').slice(0, 3000)).toBeGreaterThan(0)
    // Every retry answers one injected fault; nothing loops on its own.
    expect(retries.length).toBeLessThanOrEqual(injected)
    for (const {attempt, delayMs} of retries) {
      expect(attempt).toBeLessThan(POLICY.attempts)
      expect(delayMs).toBeLessThanOrEqual(Math.min(POLICY.capMs, POLICY.baseMs * 2 ** (attempt - 1)))
    }
    // Full jitter draws each wait from [0, ceiling): on average far from a hot loop.
    const mean = retries.reduce((sum, r) => sum + r.delayMs, 0) / retries.length
    expect(mean).toBeGreaterThanOrEqual(POLICY.baseMs / 5)
  })
})
