import {describe, expect, it} from 'vitest'
import {parseConfig} from '../../../src/config/index.js'
import {expectOneProblem, problemsOf, yaml} from './helpers.js'

const base = (issuers: string, issuer: string) => yaml`
  version: 1
  stores:
    local:
      type: file
  issuers:
${issuers}
  secrets:
    db:
      maxAge: 30d
      grace: 1d
      issuer: ${issuer}
      targets: [local:db]
`

const memoryIssuer = '    mem:\n      type: memory\n      file: issuer.json'

describe('parseConfig: issuers', () => {
  it('parses issuers by kind and a secret\'s binding by its kind\'s schema', () => {
    const config = parseConfig(base(memoryIssuer, '{name: mem, account: app, deleteAfter: 2h, deactivates: true}'), 'rotor.yaml', {})
    expect(config.issuers).toEqual({mem: {name: 'mem', type: 'memory', settings: {file: 'issuer.json'}}})
    expect(config.secrets[0].issuer).toEqual({name: 'mem', binding: {account: 'app', maxValid: 2, deactivates: true}, deleteAfterMs: 7_200_000})
    expect(config.warnings).toBeUndefined()
  })

  it('names an unknown issuer with a suggestion, at the line and column of the name', () => {
    expectOneProblem(base(memoryIssuer, '{name: me, account: app}'), {
      line: 13,
      column: 20,
      key: 'secrets.db.issuer.name',
      fragment: 'unknown issuer "me"; defined issuers: mem; did you mean "mem"?',
    })
  })

  it('refuses an unknown issuer type, listing the known ones', () => {
    const [problem] = problemsOf(base('    mem:\n      type: oracle', '{name: mem, account: app}'))
    expect(problem).toMatchObject({line: 7, key: 'issuers.mem.type'})
    expect(problem.message).toContain('memory')
  })

  it('checks the binding with the kind\'s schema: an unknown key with a suggestion, a bad value', () => {
    const problems = problemsOf(base(memoryIssuer, '{name: mem, acount: app}'))
    expect(problems.map((p) => [p.key, p.line])).toEqual(
      expect.arrayContaining([
        ['secrets.db.issuer.acount', 13],
        ['secrets.db.issuer.account', 13],
      ]),
    )
    expect(problems.find((p) => p.key === 'secrets.db.issuer.acount')?.message).toContain('did you mean "account"')
    const bad = problemsOf(base(memoryIssuer, '{name: mem, account: app, maxValid: 3}'))
    expect(bad.map((p) => p.key)).toContain('secrets.db.issuer.maxValid')
  })

  it('refuses an issuer name with no issuers section at all', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        db:
          maxAge: 30d
          issuer: {name: mem}
          targets: [local:db]
    `
    const [problem] = problemsOf(text)
    expect(problem.key).toBe('secrets.db.issuer.name')
    expect(problem.message).toContain('no issuers are defined')
  })

  it('warns loudly about a binding that keeps one credential valid (grace zero)', () => {
    const config = parseConfig(base(memoryIssuer, '{name: mem, account: app, maxValid: 1}'), 'rotor.yaml', {})
    expect(config.warnings).toEqual([expect.stringContaining('grace is ZERO')])
  })
})
