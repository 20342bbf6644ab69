import {describe, expect, it} from 'vitest'
import {interpolate} from '../../../src/config/interpolate.js'
import {expectOneProblem, yaml} from './helpers.js'

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
