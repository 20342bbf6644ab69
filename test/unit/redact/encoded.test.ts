import {afterEach, describe, expect, it} from 'vitest'
import {inspect} from 'node:util'
import {scrub} from '../../../src/audit/entry.js'
import {registerConfigSecrets} from '../../../src/redact/config.js'
import {redact, redactDeep, resetRedactor} from '../../../src/redact/index.js'
import {SecretValue} from '../../../providers/types.js'

describe('redactor: encoded forms, control characters and URL credentials', () => {
  afterEach(() => resetRedactor())

  it('masks a value with NUL and other control characters, raw and as JSON, inspect or stripped text prints it', () => {
    const raw = 'ab\u0000cd-\u0001ef\u001bgh\nij-9876'
    const v = new SecretValue(raw)
    const printed = [
      `error: ${v.reveal()}`,
      `request body ${JSON.stringify({SecretString: v.reveal()})}`,
      `inspected ${inspect({value: v.reveal()})}`,
      `stripped ${raw.replace(/\p{Cc}/gu, '')}`,
    ]
    for (const text of printed) {
      const out = redact(text)
      expect(out, JSON.stringify(text)).toContain('[redacted]')
      expect(out).not.toContain(raw)
      expect(out).not.toContain(JSON.stringify(raw).slice(1, -1))
      expect(out).not.toContain(raw.replace(/\p{Cc}/gu, ''))
    }
    // Audit fields go through the same redactor.
    expect(scrub(`failed: ${JSON.stringify(raw)}`)).toBe('failed: "[redacted]"')
  })

  it('masks percent-encoded, hex, byte-array and base64 forms (at each byte offset)', () => {
    const raw = 'p@ss w/rd+value:2026!'
    new SecretValue(raw)
    const bytes = Buffer.from(raw)
    const forms = [
      encodeURIComponent(raw),
      bytes.toString('hex'),
      bytes.toString('hex').toUpperCase(),
      [...bytes].join(','),
      `Uint8Array(${bytes.length}) [ ${[...bytes].join(', ')} ]`,
      Buffer.from(`user:${raw}`).toString('base64'),
      Buffer.from(`x${raw}`).toString('base64'),
      Buffer.from(`xy${raw}`).toString('base64url'),
    ]
    for (const form of forms) expect(redact(`log: ${form} end`), form).toContain('[redacted]')
  })

  it('masks credentials in any URL, with or without registered values', () => {
    expect(redact('POST https://alice:hunter2@hooks.example.com/x failed')).toBe('POST https://[redacted]@hooks.example.com/x failed')
    expect(redactDeep({error: {url: 'http://tok@127.0.0.1:8080/check'}})).toEqual({error: {url: 'http://[redacted]@127.0.0.1:8080/check'}})
  })

  it('registers the credentials that come with the config: URL passwords, webhook URL and signing key variables', () => {
    const hookUrl = 'https://hooks.slack.example/services/T0/B0/abcdefghijklmnop'
    registerConfigSecrets(
      {
        stores: {local: {name: 'local', type: 'file', settings: {keyEnv: 'MY_FILE_KEY'}}},
        notify: [{url: 'https://bot:w3bh00k-pa%24s@hooks.example/in', events: [], format: 'json', signatureHeader: 'X', upcomingWithinMs: 0, timeoutMs: 0}, {urlEnv: 'HOOK_URL', signingKeyEnv: 'HOOK_KEY', events: [], format: 'json', signatureHeader: 'X', upcomingWithinMs: 0, timeoutMs: 0}],
        secrets: [{name: 'api', generator: {} as never, graceMs: 0, retire: 'disable', labels: {}, adopt: false, targets: [], verify: {http: {url: 'https://checker:verify-pass-1@check.example/', method: 'GET', headers: {}, expectStatus: 200}, timeoutMs: 1, retries: 0}}],
      },
      {HOOK_URL: hookUrl, HOOK_KEY: 'signing-key-0123456789', MY_FILE_KEY: 'c2VjcmV0LWZpbGUta2V5LWJhc2U2NA==', VAULT_TOKEN: 'hvs.vault-token-xyz'},
    )
    for (const leaked of ['w3bh00k-pa$s', 'w3bh00k-pa%24s', 'verify-pass-1', hookUrl, 'signing-key-0123456789', 'c2VjcmV0LWZpbGUta2V5LWJhc2U2NA==', 'hvs.vault-token-xyz']) {
      expect(redact(`error near ${leaked} here`), leaked).toBe('error near [redacted] here')
    }
  })
})
