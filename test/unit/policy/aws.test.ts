import {describe, expect, it} from 'vitest'
import {awsFactory} from '../../../providers/aws/factory.js'
import {GLOBAL_ACTIONS, MANAGE_ACTIONS, READ_ACTIONS, secretArn} from '../../../providers/aws/policy.js'

const settings = awsFactory.settings.parse({region: 'eu-west-1'})
const paths = ['payments/api-key', 'app/key']

interface Statement {
  Effect: string
  Action: string[]
  Resource: string | string[]
  Condition?: unknown
}

function policy(readOnly: boolean, extra: Record<string, unknown> = {}) {
  const out = awsFactory.policy!({storeName: 'prod', settings: {...settings, ...extra}, paths, readOnly})
  expect(out.format).toBe('json')
  return JSON.parse(out.document) as {Version: string; Statement: Statement[]}
}

/** Does an IAM resource pattern (`*` any run, `?` one character) match this ARN? */
const matches = (pattern: string, arn: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\/]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(arn)

describe('AWS IAM policy', () => {
  it('is valid IAM JSON that grants rotor exactly the listed secrets, and `*` only for list and batch', () => {
    const doc = policy(false)
    expect(doc.Version).toBe('2012-10-17')
    const allowed = new Set(paths.map((p) => secretArn('eu-west-1', p)))
    for (const statement of doc.Statement) {
      expect(statement.Effect).toBe('Allow')
      const resources = [statement.Resource].flat()
      for (const resource of resources) {
        if (resource === '*') expect(statement.Action.every((a) => GLOBAL_ACTIONS.includes(a))).toBe(true)
        else expect(allowed.has(resource), resource).toBe(true)
      }
    }
    const actions = doc.Statement.flatMap((s) => s.Action)
    expect(actions.sort()).toEqual([...MANAGE_ACTIONS, ...GLOBAL_ACTIONS].sort())
  })

  it('matches each secret with its random suffix, and no other secret', () => {
    const [statement] = policy(false).Statement
    const resources = [statement.Resource].flat()
    const arn = (name: string) => `arn:aws:secretsmanager:eu-west-1:123456789012:secret:${name}`
    expect(resources.some((r) => matches(r, arn('app/key-AbC123')))).toBe(true)
    expect(resources.some((r) => matches(r, arn('payments/api-key-x1Y2z3')))).toBe(true)
    expect(resources.some((r) => matches(r, arn('app/key2-AbC123')))).toBe(false)
    expect(resources.some((r) => matches(r, arn('app/key-AbC1234')))).toBe(false)
    expect(resources.some((r) => matches(r, arn('other/key-AbC123')))).toBe(false)
  })

  it('read-only grants only reads, only on the secrets', () => {
    const doc = policy(true)
    expect(doc.Statement.flatMap((s) => s.Action).sort()).toEqual([...READ_ACTIONS].sort())
    for (const statement of doc.Statement) expect([statement.Resource].flat()).not.toContain('*')
  })

  it('uses the partition of the region and adds the KMS key only through Secrets Manager', () => {
    expect(secretArn('cn-north-1', 'a')).toBe('arn:aws-cn:secretsmanager:cn-north-1:*:secret:a-??????')
    const doc = policy(false, {kmsKeyId: 'alias/rotor'})
    const kms = doc.Statement.find((s) => s.Action.includes('kms:Decrypt'))
    expect(kms?.Condition).toMatchObject({StringEquals: {'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com'}})
  })
})
