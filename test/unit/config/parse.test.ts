import {describe, expect, it} from 'vitest'
import {parseConfig, type RotorConfig} from '../../../src/config/index.js'
import {expectOneProblem, problemsOf, yaml} from './helpers.js'

const H = 60 * 60 * 1000
const D = 24 * H

describe('parseConfig: a valid file', () => {
  it('parses every field, applies defaults and keeps secrets in file order', () => {
    const text = yaml`
      version: 1
      audit:
        path: logs/audit.log
      stores:
        local:
          type: file
          path: .rotor/secrets.enc
        scratch:
          type: memory
      secrets:
        payments-api:
          description: Key the payments service uses
          generator:
            length: 40
            alphabet: base62
            prefix: rk_live_
            checksum: crc32
          schedule: "0 3 * * 1"
          maxAge: 30d
          grace: 24h
          retire: destroy
          environment: production
          labels: {team: payments}
          adopt: true
          targets:
            - local:payments/api-key
            - scratch:payments/api-key
        7:
          schedule: {cron: "0  0 1 * *", timezone: europe/berlin}
          targets: [local:seven]
        alpha:
          maxAge: 90d
          grace: 1h30m
          targets: [scratch:alpha]
    `
    const expected: RotorConfig = {
      file: '/srv/app/rotor.yaml',
      baseDir: '/srv/app',
      version: 1,
      audit: {path: '/srv/app/logs/audit.log'},
      stores: {
        local: {
          name: 'local',
          type: 'file',
          // Defaults applied, relative paths left for the provider to resolve against baseDir; no
          // keyFile: the provider looks in the old default place, then the user's config directory.
          settings: {path: '.rotor/secrets.enc', keyEnv: 'ROTOR_FILE_KEY'},
        },
        scratch: {name: 'scratch', type: 'memory', settings: {}},
      },
      secrets: [
        {
          name: 'payments-api',
          description: 'Key the payments service uses',
          generator: {length: 40, alphabet: 'base62', prefix: 'rk_live_', checksum: 'crc32', minEntropyBits: 128},
          schedule: {cron: '0 3 * * 1', timezone: 'UTC'},
          maxAgeMs: 30 * D,
          graceMs: 24 * H,
          retire: 'destroy',
          environment: 'production',
          labels: {team: 'payments'},
          adopt: true,
          targets: [
            {store: 'local', path: 'payments/api-key'},
            {store: 'scratch', path: 'payments/api-key'},
          ],
        },
        {
          name: '7',
          generator: {length: 40, alphabet: 'base62', prefix: '', checksum: 'none', minEntropyBits: 128},
          schedule: {cron: '0 0 1 * *', timezone: 'Europe/Berlin'},
          graceMs: 24 * H,
          retire: 'disable',
          labels: {},
          adopt: false,
          targets: [{store: 'local', path: 'seven'}],
        },
        {
          name: 'alpha',
          generator: {length: 40, alphabet: 'base62', prefix: '', checksum: 'none', minEntropyBits: 128},
          maxAgeMs: 90 * D,
          graceMs: 90 * 60 * 1000,
          retire: 'disable',
          labels: {},
          adopt: false,
          targets: [{store: 'scratch', path: 'alpha'}],
        },
      ],
    }
    expect(parseConfig(text, '/srv/app/rotor.yaml', {})).toStrictEqual(expected)
  })

  it('defaults the audit log to .rotor/audit.log next to the file', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: memory
      secrets: {}
    `
    expect(parseConfig(text, '/srv/app/rotor.yaml', {}).audit).toEqual({path: '/srv/app/.rotor/audit.log'})
  })
})

describe('parseConfig: unknown keys', () => {
  it('reports a top-level typo at the key, with a suggestion', () => {
    const text = yaml`
      version: 1
      audits:
        path: x.log
      stores:
        local:
          type: file
      secrets: {}
    `
    const problem = expectOneProblem(text, {line: 2, column: 1, key: 'audits', fragment: 'unknown key "audits"'})
    expect(problem.message).toBe('unknown key "audits"; expected one of: version, audit, stores, issuers, secrets, notify; did you mean "audit"?')
  })

  it('reports a nested typo in a secret', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        payments-api:
          maxAge: 30d
          gracee: 1h
          targets: [local:a]
    `
    const problem = expectOneProblem(text, {
      line: 8,
      column: 5,
      key: 'secrets.payments-api.gracee',
      fragment: 'did you mean "grace"?',
    })
    expect(problem.message).toContain('expected one of: description, generator, schedule, maxAge, grace, retire')
  })

  it('checks store settings with the provider schema', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
          pth: x
      secrets: {}
    `
    expectOneProblem(text, {line: 5, column: 5, key: 'stores.local.pth', fragment: 'did you mean "path"?'})
  })

  it('rejects a store type that is not in the registry', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: fiel
      secrets: {}
    `
    const problem = expectOneProblem(text, {line: 4, column: 11, key: 'stores.local.type', fragment: 'unknown type "fiel"'})
    expect(problem.message).toMatch(/expected one of: .*\bfile\b.*; did you mean "file"\?$/)
  })
})

describe('parseConfig: targets', () => {
  it('rejects a target naming an unknown store and lists the known ones', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
          targets:
            - local:a
            - remote:a
    `
    expectOneProblem(text, {
      line: 10,
      column: 9,
      key: 'secrets.a.targets[1]',
      fragment: 'unknown store "remote" in target "remote:a"; defined stores: local',
    })
  })

  it('rejects the same target twice in one secret', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
          targets:
            - local:a
            - local:a
    `
    expectOneProblem(text, {
      line: 10,
      column: 9,
      key: 'secrets.a.targets[1]',
      fragment: 'duplicate target "local:a"; already listed as targets[0]',
    })
  })

  it('rejects one store path used by two secrets', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
          targets: [local:shared]
        b:
          maxAge: 30d
          targets: [local:shared]
    `
    expectOneProblem(text, {
      line: 11,
      column: 15,
      key: 'secrets.b.targets[0]',
      fragment: 'target "local:shared" is already used by secret "a"',
    })
  })

  it('requires targets, pointing at the secret', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
    `
    expectOneProblem(text, {line: 6, column: 3, key: 'secrets.a.targets', fragment: 'missing required key "targets"'})
  })

  it.each([
    ['local', 'expected a target "store:path"'],
    ['local:', 'empty path'],
    ['local:/abs', 'must not start with "/"'],
    ['local:a/../b', '".." segments'],
    ['local:a b', 'may only contain'],
  ])('rejects the malformed target %j', (ref, fragment) => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
          targets: ["${ref}"]
    `
    expectOneProblem(text, {line: 8, column: 15, key: 'secrets.a.targets[0]', fragment})
  })
})

describe('parseConfig: schedules and grace', () => {
  /** Secret `a` starts at line 6; `lines` start at line 7. */
  const withSecret = (...lines: string[]) =>
    ['version: 1', 'stores:', '  local:', '    type: file', 'secrets:', '  a:', ...lines, '    targets: [local:a]', ''].join('\n')

  it('rejects an invalid cron expression', () => {
    expectOneProblem(withSecret('    schedule: "61 * * * *"'), {
      line: 7,
      column: 15,
      key: 'secrets.a.schedule',
      fragment: 'invalid cron expression "61 * * * *"',
    })
  })

  it('rejects a 7-field cron expression explicitly', () => {
    const text = withSecret('    schedule:', '      cron: "0 0 3 * * 1 2025"', '      timezone: UTC')
    expectOneProblem(text, {
      line: 8,
      column: 13,
      key: 'secrets.a.schedule.cron',
      fragment: 'has 7 fields; use 5 fields (minute hour day-of-month month day-of-week) or 6',
    })
  })

  it('rejects an unknown time zone', () => {
    const text = withSecret('    schedule:', '      cron: 0 3 * * *', '      timezone: Mars/Olympus')
    expectOneProblem(text, {
      line: 9,
      column: 17,
      key: 'secrets.a.schedule.timezone',
      fragment: 'unknown time zone "Mars/Olympus"',
    })
  })

  it('requires schedule or maxAge', () => {
    expectOneProblem(withSecret('    description: no schedule'), {
      line: 6,
      column: 3,
      key: 'secrets.a',
      fragment: 'set schedule, maxAge or both',
    })
  })

  it('rejects a grace window as long as the cron interval', () => {
    const text = withSecret('    schedule: 0 * * * *', '    grace: 2h')
    expectOneProblem(text, {
      line: 8,
      column: 12,
      key: 'secrets.a.grace',
      fragment: 'grace 2h must be shorter than the rotation interval of 1h',
    })
  })

  it('rejects the default grace when the schedule is shorter, pointing at the secret', () => {
    expectOneProblem(withSecret('    schedule: 0 */6 * * *'), {
      line: 6,
      column: 3,
      key: 'secrets.a.grace',
      fragment: 'the default grace of 24h is not shorter than the rotation interval of 6h',
    })
  })

  it('rejects a grace window equal to maxAge', () => {
    const text = withSecret('    maxAge: 12h', '    grace: 12h')
    expectOneProblem(text, {
      line: 8,
      column: 12,
      key: 'secrets.a.grace',
      fragment: 'grace 12h must be shorter than the rotation interval of 12h (maxAge 12h)',
    })
  })

  it('measures the cron interval in the time zone, across DST', () => {
    const berlin = ['    schedule: {cron: "0 3 * * *", timezone: Europe/Berlin}', '    grace: 23h30m']
    expectOneProblem(withSecret(...berlin), {
      line: 8,
      column: 12,
      key: 'secrets.a.grace',
      fragment: 'rotation interval of 23h',
    })
    const utc = ['    schedule: {cron: "0 3 * * *", timezone: UTC}', '    grace: 23h30m']
    expect(parseConfig(withSecret(...utc), 'rotor.yaml', {}).secrets[0].graceMs).toBe(23.5 * H)
  })

  it('rejects a duration it cannot read', () => {
    const text = withSecret('    maxAge: 30d', '    grace: soon')
    expectOneProblem(text, {
      line: 8,
      column: 12,
      key: 'secrets.a.grace',
      fragment: 'expected a duration like 24h or 30d, got "soon"',
    })
  })
})

describe('parseConfig: generator', () => {
  it('rejects a policy under 128 bits of entropy, at the length', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
          generator:
            length: 16
          targets: [local:a]
    `
    expectOneProblem(text, {
      line: 9,
      column: 7,
      key: 'secrets.a.generator.length',
      fragment: 'entropy 95.3 bits is below the minimum of 128 bits; use length >= 22',
    })
  })

  it('reports other policy problems from validatePolicy', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
          generator:
            prefix: "rk live "
          targets: [local:a]
    `
    expectOneProblem(text, {line: 9, column: 7, key: 'secrets.a.generator.prefix', fragment: 'prefix may only contain'})
  })
})

describe('parseConfig: YAML errors', () => {
  it('reports a duplicate secret name as a duplicate key, with both lines', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
          targets: [local:a]
        a:
          maxAge: 7d
          targets: [local:b]
    `
    expectOneProblem(text, {
      line: 9,
      column: 3,
      key: 'secrets.a',
      fragment: 'duplicate secret name "a"; it is already defined at line 6',
    })
  })

  it('reports a duplicate key inside a secret', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
          maxAge: 7d
          targets: [local:a]
    `
    expectOneProblem(text, {
      line: 8,
      column: 5,
      key: 'secrets.a.maxAge',
      fragment: 'duplicate key "maxAge"; it is already defined at line 7',
    })
  })

  it('reports a syntax error with its position', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
          targets: [local:a
    `
    expectOneProblem(text, {line: 9, column: 1, key: '', fragment: 'YAML syntax error: Flow sequence'})
  })

  it('reports an empty file', () => {
    expectOneProblem('# nothing yet\n', {line: 1, column: 1, key: '', fragment: 'the file is empty'})
  })

  it('reports every duplicate in a map of 20,000 secrets with both positions, nested and flow maps too', () => {
    const head = ['version: 1', 'stores:', '  local:', '    type: file', 'secrets:']
    const body: string[] = []
    for (let i = 0; i < 20_000; i++) body.push(`  s${i}:`, '    maxAge: 30d', `    targets: [local:p${i}]`)
    const lineOf = (i: number) => head.length + 3 * i + 1
    // s7 again near the end; a duplicate key inside secret s100; a duplicate in a flow map.
    body.push('  s7:', '    maxAge: 7d', '    targets: [local:again]')
    body[3 * 100 + 1] = '    maxAge: 30d\n    maxAge: 7d'
    body[3 * 200 + 2] = '    labels: {team: a, team: b}\n    targets: [local:p200]'
    const problems = problemsOf([...head, ...body].join('\n') + '\n')
    expect(problems).toEqual([
      {file: 'rotor.yaml', line: lineOf(100) + 2, column: 5, key: 'secrets.s100.maxAge', message: `duplicate key "maxAge"; it is already defined at line ${lineOf(100) + 1}`},
      {file: 'rotor.yaml', line: lineOf(200) + 3, column: 23, key: 'secrets.s200.labels.team', message: `duplicate key "team"; it is already defined at line ${lineOf(200) + 3}`},
      {file: 'rotor.yaml', line: lineOf(20_000) + 2, column: 3, key: 'secrets.s7', message: `duplicate secret name "s7"; it is already defined at line ${lineOf(7)}`},
    ])
  })

  it('tells keys apart as YAML does: "1" and 1 differ, ~ and null are the same', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
          targets: [local:a]
          labels: {"1": x, 1: y}
      odd: {~: 1, null: 2}
    `
    expectOneProblem(text, {line: 10, column: 13, key: 'odd.null', fragment: 'duplicate key "null"; it is already defined at line 10'})
  })
})

describe('parseConfig: ${VAR} interpolation', () => {
  it('expands variables in store settings and keeps $${ as a literal ${', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
          path: \${STATE_DIR}/secrets.enc
          keyFile: keys/$\${literal}.key
          keyEnv: \${KEY_VAR}
      secrets: {}
    `
    const config = parseConfig(text, 'rotor.yaml', {STATE_DIR: '/var/lib/rotor', KEY_VAR: 'PROD_FILE_KEY'})
    expect(config.stores.local.settings).toEqual({
      path: '/var/lib/rotor/secrets.enc',
      keyFile: 'keys/${literal}.key',
      keyEnv: 'PROD_FILE_KEY',
    })
  })

  it('validates settings after expansion, without echoing the value', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
          keyEnv: \${KEY_VAR}
      secrets: {}
    `
    const problem = expectOneProblem(
      text,
      {line: 5, column: 13, key: 'stores.local.keyEnv', fragment: 'must match'},
      {KEY_VAR: 'not a name'},
    )
    expect(problem.message).not.toContain('not a name')
  })

  it('reports an unset variable at the reference', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
          keyFile: /etc/rotor/\${KEY_NAME}.key
      secrets: {}
    `
    expectOneProblem(text, {
      line: 5,
      column: 25,
      key: 'stores.local.keyFile',
      fragment: 'environment variable KEY_NAME is not set',
    })
  })

  it('rejects ${...} outside store settings, even when the variable is set', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          description: token is \${API_TOKEN}
          maxAge: 30d
          targets: [local:a]
    `
    expectOneProblem(
      text,
      {line: 7, column: 27, key: 'secrets.a.description', fragment: 'secret values never go in rotor.yaml'},
      {API_TOKEN: 'tok'},
    )
  })
})

describe('parseConfig: several problems', () => {
  it('reports them all in one error, sorted by line', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
          keyFile: \${MISSING}
      secrets:
        b:
          maxAge: 30d
          targets: [nowhere:b]
        a:
          grace: later
          maxAge: 30d
          targets: [local:a]
      extra: true
    `
    const problems = problemsOf(text)
    expect(problems.map((p) => [p.line, p.column, p.key])).toEqual([
      [5, 14, 'stores.local.keyFile'],
      [9, 15, 'secrets.b.targets[0]'],
      [11, 12, 'secrets.a.grace'],
      [14, 1, 'extra'],
    ])
    expect(problems.every((p) => p.file === 'rotor.yaml')).toBe(true)
  })
})
