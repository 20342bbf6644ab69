import {spawnSync} from 'node:child_process'
import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {parse} from 'yaml'
import {ROOT} from '../support/cli.js'

interface Step {
  id?: string
  name?: string
  uses?: string
  shell?: string
  run?: string
  if?: string
  env?: Record<string, string>
}

/** GitHub's multi-line output syntax: name<<DELIM ... DELIM. */
function readOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([\w-]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      outputs[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return outputs
}

describe('the GitHub Action in the repository (action.yml)', () => {
  let dir: string
  let action: {runs: {using: string; steps: Step[]}; outputs: Record<string, {value: string}>; inputs: Record<string, {default?: string}>}
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-action-'))
    action = parse(await readFile(join(ROOT, 'action.yml'), 'utf8'))
  })
  afterAll(() => rm(dir, {recursive: true, force: true}))

  it('is a composite action exposing the exit code and the JSON document', () => {
    expect(action.runs.using).toBe('composite')
    expect(action.outputs['exit-code'].value).toBe('${{ steps.run.outputs.exit-code }}')
    expect(action.outputs.json.value).toBe('${{ steps.run.outputs.json }}')
    // Inputs reach scripts through env only, never spliced into the script text.
    for (const step of action.runs.steps) expect(step.run ?? '').not.toContain('${{')
  })

  it('runs rotor with --json and writes exit-code and json to GITHUB_OUTPUT', async () => {
    const step = action.runs.steps.find((s) => s.id === 'run')!
    const bin = join(dir, 'bin')
    await mkdir(bin)
    // `rotor` on PATH is the built CLI, as the install step leaves it.
    await writeFile(join(bin, 'rotor'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/run.js')}" "$@"\n`)
    await chmod(join(bin, 'rotor'), 0o755)
    await writeFile(join(dir, 'rotor.yaml'), 'version: 1\nstores:\n  local: {type: file, keyFile: file.key}\naudit: {path: .rotor/audit.log, keyFile: audit.key}\nsecrets:\n  a: {maxAge: 30d, targets: [local:a]}\n')
    const run = (command: string, config: string) => {
      const output = join(dir, `output-${Math.random().toString(36).slice(2)}`)
      const result = spawnSync('bash', ['-e', '-c', step.run!], {
        cwd: dir,
        encoding: 'utf8',
        env: {PATH: `${bin}:/usr/bin:/bin`, HOME: dir, XDG_CONFIG_HOME: join(dir, '.config'), GITHUB_OUTPUT: output, ROTOR_COMMAND: command, ROTOR_CONFIG_FILE: config},
      })
      return {result, outputs: async () => readOutputs(await readFile(output, 'utf8'))}
    }
    const ok = run('apply --yes', 'rotor.yaml')
    expect(ok.result.status, ok.result.stderr + ok.result.stdout).toBe(0)
    const outputs = await ok.outputs()
    expect(outputs['exit-code']).toBe('0')
    expect(JSON.parse(outputs.json)).toMatchObject({dryRun: false, warnings: expect.any(Array)})
    // A failing command still sets both outputs; the step itself does not hide the code.
    const bad = run('status', 'missing.yaml')
    expect(bad.result.status).toBe(0)
    const failed = await bad.outputs()
    expect(Number(failed['exit-code'])).toBeGreaterThan(0)
    expect(JSON.parse(failed.json)).toHaveProperty('error')
    const gate = action.runs.steps.find((s) => s.name === 'Fail on a rotor error')!
    expect(gate.if).toContain("steps.run.outputs.exit-code != '0'")
  })
})
