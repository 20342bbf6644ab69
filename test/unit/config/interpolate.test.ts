import {describe, expect, it} from 'vitest'
import {interpolate} from '../../../src/config/interpolate.js'
import {expectOneProblem, problemsOf, yaml} from './helpers.js'

describe('interpolate', () => {
  const env = {HOST: 'vault.internal', PORT: '8200', EMPTY: ''}

  it.each([
    ['https://${HOST}:${PORT}', 'https://vault.internal:8200'],
    ['$${HOST}', '${HOST}'],
    ['a${EMPTY}b', 'ab'],
    ['cost: $5 and {braces}', 'cost: $5 and {braces}'],
  ])('%j -> %j', (text, value) => {
    expect(interpolate(text, env)).toEqual({value, problems: []})
  })

  it.each([
    ['${host}', 'is not a valid reference'],
    ['${1ABC}', 'is not a valid reference'],
    ['${}', 'is not a valid reference'],
    ['${HOST', 'unterminated "${"'],
    ['${NOPE}', 'environment variable NOPE is not set'],
  ])('reports %j', (text, fragment) => {
    const {problems} = interpolate(text, env)
    expect(problems).toEqual([expect.objectContaining({message: expect.stringContaining(fragment)})])
  })
})

describe('interpolation in the file', () => {
  it('does not expand the store type', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: \${KIND}
      secrets: {}
    `
    expectOneProblem(
      text,
      {line: 4, column: 11, key: 'stores.local.type', fragment: 'only expanded in store settings'},
      {KIND: 'file'},
    )
  })

  it('rejects ${...} in a label value', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
      secrets:
        a:
          maxAge: 30d
          labels:
            owner: \${USER}
          targets: [local:a]
    `
    expectOneProblem(text, {line: 9, column: 14, key: 'secrets.a.labels.owner', fragment: 'secret values never go in'})
  })
})

describe("interpolation refuses rotor's own credentials", () => {
  const credentials = {
    ROTOR_FILE_KEY: 'file-key-value',
    VAULT_TOKEN: 'hvs.token-value',
    AWS_SECRET_ACCESS_KEY: 'aws-secret-value',
    AWS_SESSION_TOKEN: 'aws-session-value',
    AZURE_CLIENT_SECRET: 'azure-secret-value',
    ROTOR_AUDIT_KEY: 'audit-key-value',
    GOOGLE_APPLICATION_CREDENTIALS: '/keys/sa.json',
  }

  it.each(Object.keys(credentials))('refuses ${%s} with file:line, and copies nothing', (name) => {
    const text = yaml`
      version: 1
      stores:
        aws:
          type: aws
          region: eu-west-1
          endpoint: "https://proxy.example.com/\${${name}}"
      secrets: {}
    `
    const problem = expectOneProblem(
      text,
      {line: 6, column: 42, key: 'stores.aws.endpoint', fragment: `${name} holds one of rotor's own credentials`},
      credentials,
    )
    expect(problem.message).not.toContain(credentials[name as keyof typeof credentials])
  })

  it('refuses the variables the config itself names for credentials (keyEnv, auth.tokenEnv, webhook variables)', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
          keyEnv: TEAM_FILE_KEY
          path: "\${TEAM_FILE_KEY}.enc"
        vault:
          type: vault
          address: "https://\${OPS_VAULT_TOKEN}.example.com"
          auth: {method: token, tokenEnv: OPS_VAULT_TOKEN}
        v2:
          type: vault
          address: "https://\${HOOK_SIGNING}.example.com"
      secrets: {}
      notify:
        - urlEnv: HOOK_URL
          signingKeyEnv: HOOK_SIGNING
    `
    const problems = problemsOf(text, {TEAM_FILE_KEY: 'k', OPS_VAULT_TOKEN: 't', HOOK_SIGNING: 's', HOOK_URL: 'https://hooks.example.com/x'})
    expect(problems.map((p) => [p.line, p.key])).toEqual([
      [6, 'stores.local.path'],
      [9, 'stores.vault.address'],
      [13, 'stores.v2.address'],
    ])
    for (const problem of problems) expect(problem.message).toMatch(/holds one of rotor's own credentials/)
  })

  it('still expands ordinary variables next to a credential name family (AWS_REGION, VAULT_ADDR)', () => {
    expect(interpolate('${VAULT_ADDR}/${AWS_REGION}', {VAULT_ADDR: 'https://v', AWS_REGION: 'eu-west-1'})).toEqual({
      value: 'https://v/eu-west-1',
      problems: [],
    })
  })
})
