import {describe, expect, it} from 'vitest'
import {type ChangeRun, fleetExitCode, runChanges} from '../../../src/cli/changes.js'
import {Interrupt} from '../../../src/cli/interrupt.js'
import {CancelledError, UsageError} from '../../../src/errors/index.js'
import {ExitCode} from '../../../src/exit-codes.js'
import type {Action} from '../../../src/plan/types.js'

const action: Action = {kind: 'create', secret: 'a', targets: [{store: 'local', path: 'a'}]}
const run = (outcomes: Array<'ok' | 'failed'>, blocked = 0): ChangeRun => ({
  plan: {at: '', actions: outcomes.map(() => action), blocked: Array.from({length: blocked}, () => ({secret: 'b', reason: 'not owned'}))},
  report: {
    at: '',
    results: outcomes.map((outcome, i) => ({action: {...action, secret: `s${i}`}, outcome})),
    failedSecrets: outcomes.flatMap((o, i) => (o === 'failed' ? [`s${i}`] : [])),
  },
})

describe('commands that change stores', () => {
  it('exit 0 when all went well, 3 when some failed or were blocked, 1 when all failed', () => {
    expect(fleetExitCode(run(['ok', 'ok']))).toBe(ExitCode.OK)
    expect(fleetExitCode(run(['ok', 'failed']))).toBe(ExitCode.PARTIAL_FAILURE)
    expect(fleetExitCode(run(['failed', 'failed']))).toBe(ExitCode.ERROR)
    expect(fleetExitCode(run(['ok'], 1))).toBe(ExitCode.PARTIAL_FAILURE)
  })

  const out = (json: boolean, yes: boolean, printed: string[] = []) => ({json, yes, log: (t: string) => void printed.push(t), warn: () => {}, note: () => {}, interrupt: new Interrupt(), command: 'rotor apply'})

  it('refuses without a terminal or under --json unless --yes, before starting anything', async () => {
    let started = false
    const start = async () => {
      started = true
      return run(['ok'])
    }
    await expect(runChanges(out(false, false), {question: 'Go?'}, start)).rejects.toThrow(UsageError)
    await expect(runChanges(out(true, false), {question: 'Go?'}, start)).rejects.toThrow(/--json it needs --yes/)
    expect(started).toBe(false)
  })

  it('a cancelled run is an error that exits 130 and says nothing changed', async () => {
    const error = await runChanges(out(false, true), {question: 'Go?'}, async () => ({...run([]), cancelled: true})).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CancelledError)
    expect((error as CancelledError).exitCode).toBe(ExitCode.INTERRUPTED)
    expect((error as CancelledError).message).toBe('Cancelled; nothing was changed.')
  })

  it('with --yes never asks, passes the hooks on, and prints the report', async () => {
    const printed: string[] = []
    let asked = false
    const result = await runChanges(out(false, true, printed), {question: 'Go?'}, async (hooks) => {
      asked = hooks.confirm !== undefined
      hooks.onRead(1)
      hooks.onProgress()
      return run(['ok'])
    })
    expect(asked).toBe(false)
    expect(result.report?.results).toHaveLength(1)
    expect(printed.join('\n')).toContain('1 done.')
  })

  it('prints nothing under --json', async () => {
    const printed: string[] = []
    await runChanges(out(true, true, printed), {question: 'Go?'}, async () => run(['ok']))
    expect(printed).toEqual([])
  })
})
