import {describe, expect, it} from 'vitest'
import {type ChangeRun, fleetExitCode, runChanges} from '../../../src/cli/changes.js'
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

  it('never asks without a terminal, passes the hooks on, and prints the report', async () => {
    const printed: string[] = []
    let asked = false
    const result = await runChanges({json: false, yes: false, log: (t) => printed.push(t), warn: () => {}}, {question: 'Go?'}, async (hooks) => {
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
    await runChanges({json: true, yes: true, log: (t) => printed.push(t), warn: () => {}}, {question: 'Go?'}, async () => run(['ok']))
    expect(printed).toEqual([])
  })
})
