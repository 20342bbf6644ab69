import {describe, it} from 'vitest'
import {expectOneProblem, yaml} from './helpers.js'

describe('config checked against store capabilities', () => {
  it('rejects retire: destroy when a target store cannot destroy single versions', () => {
    const text = yaml`
      version: 1
      stores:
        local:
          type: file
        cloud:
          type: aws
          region: eu-west-1
      secrets:
        a:
          maxAge: 30d
          retire: destroy
          targets:
            - local:a
            - cloud:a
    `
    expectOneProblem(text, {
      line: 11,
      column: 13,
      key: 'secrets.a.retire',
      fragment: 'retire: destroy is not possible on target "cloud:a": aws stores cannot destroy a single version',
    })
  })
})
