import {afterEach, describe, expect, it} from 'vitest'
import {generateKey} from '../../../src/keys/generate.js'
import {DEFAULT_POLICY} from '../../../src/keys/types.js'
import {redact, redactDeep, registerKeyFormats, resetRedactor} from '../../../src/redact/index.js'
import {SecretValue} from '../../../providers/types.js'

describe('redactor', () => {
  afterEach(() => resetRedactor())

  it('masks every value a SecretValue was made with, wherever it appears', () => {
    const a = new SecretValue('s3cr3t-value-one')
    const b = new SecretValue('another-value')
    const text = `request {"SecretString":"${a.reveal()}"} failed; also ${b.reveal()}${a.reveal()}`
    const out = redact(text)
    expect(out).not.toContain(a.reveal())
    expect(out).not.toContain(b.reveal())
    expect(out).toBe('request {"SecretString":"[redacted]"} failed; also [redacted][redacted]')
  })

  it('leaves short values alone (they would mangle messages) and text without values unchanged', () => {
    new SecretValue('abc')
    expect(redact('abc def')).toBe('abc def')
    expect(redact('nothing to see')).toBe('nothing to see')
  })

  it('masks keys of a configured crc32 policy by format, even when never seen', () => {
    const policy = {...DEFAULT_POLICY, prefix: 'rk_test_', checksum: 'crc32' as const}
    const key = generateKey(policy).value
    expect(redact(`got ${key}`)).toBe(`got ${key}`)
    registerKeyFormats([policy])
    expect(redact(`got ${key}`)).toBe('got [redacted]')
  })

  it('redacts every string of a JSON error object', () => {
    const v = new SecretValue('deep-secret-value')
    expect(redactDeep({error: {message: `x ${v.reveal()}`, list: [v.reveal()], code: 4}})).toEqual({
      error: {message: 'x [redacted]', list: ['[redacted]'], code: 4},
    })
  })
})
