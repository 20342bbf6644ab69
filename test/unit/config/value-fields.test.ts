import {describe, expect, it} from 'vitest'
import {parseConfig} from '../../../src/config/index.js'
import {withValueFields} from '../../../src/config/fields.js'
import type {SecretConfig} from '../../../src/config/types.js'
import {problemsOf, yaml} from './helpers.js'

const file = (secret: string) => yaml`
  version: 1
  stores:
    local: {type: file, path: s.enc}
  secrets:
    api:
      maxAge: 30d
      targets: [local:api]
${secret}
`

describe('template and env maps in rotor.yaml', () => {
  it('accepts a template and an env map over a plain secret\'s one field, value', () => {
    const config = parseConfig(file('      template: "Bearer {{value}}"\n      env: {API_KEY: value, AUTH_HEADER: template}'), 'rotor.yaml', {})
    expect(config.secrets[0]).toMatchObject({template: 'Bearer {{value}}', envFields: {API_KEY: 'value', AUTH_HEADER: 'template'}})
    expect(config.secrets[0].env).toBeUndefined()
    expect(config.secrets[0].fields).toBeUndefined()
  })

  it('keeps env as one variable name', () => {
    expect(parseConfig(file('      env: PAYMENTS_KEY'), 'rotor.yaml', {}).secrets[0].env).toBe('PAYMENTS_KEY')
  })

  it('names the line of a placeholder or mapped field the value does not have', () => {
    const problems = problemsOf(file('      template: "postgresql://{{username}}:{{value}}@db/app"\n      env: {DB_USER: username, URL: template}'))
    expect(problems.map((p) => [p.key, p.line])).toEqual([
      ['secrets.api.template', 8],
      ['secrets.api.env.DB_USER', 9],
    ])
    expect(problems[0].message).toContain('{{username}} is not a field')
    expect(problems[1].message).toContain('"username" is not a field of this secret\'s value; choose one of value, template')
  })

  it('refuses a template without placeholders, a stray brace pair, an unknown filter, and `template` in env without one', () => {
    expect(problemsOf(file('      template: "constant"'))[0].message).toContain('names no field')
    expect(problemsOf(file('      template: "{{value}} {{ oops"'))[0].message).toContain('not a placeholder')
    expect(problemsOf(file('      template: "{{value | base64}}"'))[0].message).toContain('unknown filter')
    expect(problemsOf(file('      env: {URL: template}'))[0].message).toContain('no `template:`')
    expect(problemsOf(file('      env: {}'))[0].message).toContain('at least one variable')
  })

  it('takes the fields of the issuer kind a secret is bound to', () => {
    const secret = {name: 'partner-key', template: 'key {{id}}:{{value | url}}', envFields: {KEY_ID: 'id', KEY: 'value'}} as unknown as SecretConfig
    expect(withValueFields(secret, {issuer: {name: 'partner'}}, {partner: {type: 'command'}})).toEqual([])
    expect(secret.fields).toEqual(['id', 'value'])
    const wrong = {name: 'partner-key', template: '{{password}}', envFields: {U: 'username'}} as unknown as SecretConfig
    const problems = withValueFields(wrong, {issuer: {name: 'partner'}}, {partner: {type: 'command'}})
    expect(problems.map((p) => p.path.join('.'))).toEqual(['secrets.partner-key.template', 'secrets.partner-key.env.U'])
    // An issuer that cannot be resolved is reported where issuers are checked, not here.
    expect(withValueFields(wrong, {issuer: {name: 'nope'}}, {})).toEqual([])
  })
})
