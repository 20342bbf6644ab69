import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {json, runCli} from '../support/cli.js'

// A fleet-sized rotor.yaml in the style of bench/scale.js, read by the fast YAML reader: the
// problems in it must carry the same lines and columns the yaml library gave them.
const N = 2000
function fleet(edit: (lines: string[], at: (name: string) => number) => void = () => {}): string {
  const lines = ['version: 1', 'stores:', '  one:', '    type: file', '    path: .rotor/one.enc', '  two: {type: file, path: .rotor/two.enc}', 'secrets:']
  for (let i = 0; i < N; i++) {
    // One name that looks like an array index, in the middle: objects would list it first.
    const name = i === 1000 ? '1000' : `s${String(i).padStart(6, '0')}`
    lines.push(
      `  ${name}:`,
      '    schedule: {cron: "0 3 1 1 *", timezone: Europe/Berlin}',
      `    maxAge: ${i % 10 === 0 ? '10d' : '90d'}`,
      `    labels: {team: t${i % 50}}  # owner`,
      `    targets: [one:app/${name}, two:app/${name}]`,
    )
  }
  edit(lines, (name) => lines.indexOf(`  ${name}:`))
  return `${lines.join('\n')}\n`
}

describe('config validate on a fleet of 2,000 secrets', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-fleet-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('accepts it and lists the secrets in file order', async () => {
    await writeFile(join(dir, 'rotor.yaml'), fleet())
    const result = await runCli(['config', 'validate', '--json'], {cwd: dir})
    expect(result.code).toBe(0)
    const secrets = json<{secrets: string[]}>(result).secrets
    expect(secrets).toHaveLength(N)
    expect(secrets.slice(999, 1002)).toEqual(['s000999', '1000', 's001001'])
  })

  it('reports a repeated secret name at the repetition, naming the line of the first', async () => {
    let first = 0
    let again = 0
    const text = fleet((lines, at) => {
      first = at('s000100') + 1
      again = at('s001600') + 1
      lines[again - 1] = '  s000100:'
    })
    await writeFile(join(dir, 'rotor.yaml'), text)
    const result = await runCli(['config', 'validate', '--json'], {cwd: dir})
    expect(result.code).toBe(65)
    expect(json<{error: {problems: unknown[]}}>(result).error.problems).toEqual([
      {file: expect.stringContaining('rotor.yaml'), line: again, column: 3, key: 'secrets.s000100', message: `duplicate secret name "s000100"; it is already defined at line ${first}`},
    ])
  })

  it('points at each problem deep in the file: a bad target, an unknown key, a ${VAR} outside the stores', async () => {
    let target = 0
    let unknown = 0
    let variable = 0
    const text = fleet((lines, at) => {
      target = at('s001200') + 5
      lines[target - 1] = '    targets: [one:app/ok, one:/abs]'
      unknown = at('s001700') + 3
      lines[unknown - 1] = '    maxAgee: 90d'
      variable = at('s001999') + 4
      lines[variable - 1] = '    labels: {team: "x-${TEAM}"}'
    })
    await writeFile(join(dir, 'rotor.yaml'), text)
    const result = await runCli(['config', 'validate', '--json'], {cwd: dir, env: {TEAM: 'a'}})
    expect(result.code).toBe(65)
    const problems = json<{error: {problems: Array<{line: number; column: number; key: string; message: string}>}}>(result).error.problems
    expect(problems.map(({line, column, key}) => ({line, column, key}))).toEqual([
      {line: target, column: 27, key: 'secrets.s001200.targets[1]'},
      {line: unknown, column: 5, key: 'secrets.s001700.maxAgee'},
      {line: variable, column: 23, key: 'secrets.s001999.labels.team'},
    ])
    expect(problems[0].message).toContain('must not start with "/"')
    expect(problems[1].message).toContain('unknown key "maxAgee"')
    expect(problems[2].message).toContain('only expanded in store settings')
  })
})
