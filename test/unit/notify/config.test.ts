import {describe, expect, it} from 'vitest'
import {parseConfig} from '../../../src/config/index.js'
import {ConfigError} from '../../../src/errors/index.js'

const base = (secretExtra = '', topExtra = '') => `version: 1
stores:
  local:
    type: memory
secrets:
  api:
    maxAge: 30d
    targets: [local:api]
${secretExtra}${topExtra}`

function problems(text: string): string[] {
  try {
    parseConfig(text, '/x/rotor.yaml', {HOOK: 'https://hooks.example.com/services/T/B/x'})
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.key}: ${p.message}`)
    throw error
  }
  return []
}

describe('verify and notify settings', () => {
  it('reads an HTTP verify with defaults', () => {
    const config = parseConfig(
      base(`    verify:
      http:
        url: https://api.example.com/v1/me
        headers: {Authorization: 'Bearer {{value}}'}
`),
      '/x/rotor.yaml',
      {},
    )
    expect(config.secrets[0].verify).toEqual({
      http: {url: 'https://api.example.com/v1/me', method: 'GET', headers: {Authorization: 'Bearer {{value}}'}, expectStatus: 200},
      timeoutMs: 10_000,
      retries: 2,
    })
  })

  it('reads a command verify; the value goes in an environment variable', () => {
    const config = parseConfig(base(`    verify:\n      command: {command: [./check.sh, payments]}\n      timeout: 30s\n      retries: 0\n`), '/x/rotor.yaml', {})
    expect(config.secrets[0].verify).toEqual({command: {command: ['./check.sh', 'payments'], env: 'ROTOR_NEW_VALUE'}, timeoutMs: 30_000, retries: 0})
  })

  it('refuses a verify with both checks, or none, or a bad status', () => {
    expect(problems(base(`    verify: {http: {url: 'https://a.example'}, command: {command: [x]}}\n`)).join('\n')).toMatch(/secrets\.api\.verify/)
    expect(problems(base(`    verify: {retries: 1}\n`)).join('\n')).toMatch(/secrets\.api\.verify/)
    expect(problems(base(`    verify: {http: {url: 'https://a.example', expectStatus: 42}}\n`)).join('\n')).toMatch(/expectStatus/)
  })

  it('reads webhooks with their defaults; the signing key stays in the environment', () => {
    const config = parseConfig(
      base('', `notify:\n  - urlEnv: ROTOR_SLACK_URL\n    format: slack\n    signingKeyEnv: ROTOR_HOOK_KEY\n  - url: https://ops.example.com/rotor\n    events: [failed]\n    upcomingWithin: 3d\n`),
      '/x/rotor.yaml',
      {HOOK: 'https://hooks.example.com/services/T/B/x'},
    )
    expect(config.notify).toEqual([
      {
        urlEnv: 'ROTOR_SLACK_URL',
        events: ['rotated', 'failed', 'rolled-back', 'upcoming'],
        format: 'slack',
        signingKeyEnv: 'ROTOR_HOOK_KEY',
        signatureHeader: 'X-Rotor-Signature',
        upcomingWithinMs: 7 * 86_400_000,
        timeoutMs: 5_000,
      },
      expect.objectContaining({url: 'https://ops.example.com/rotor', events: ['failed'], format: 'json', upcomingWithinMs: 3 * 86_400_000}),
    ])
  })

  it('refuses an unknown event, a key in the file, a non-http URL, and both or neither of url and urlEnv', () => {
    expect(problems(base('', `notify:\n  - events: [failed]\n`)).join('\n')).toMatch(/exactly one of url and urlEnv/)
    expect(problems(base('', `notify:\n  - {url: 'https://a.example', urlEnv: HOOK}\n`)).join('\n')).toMatch(/exactly one of url and urlEnv/)
    expect(problems(base('', `notify:\n  - url: https://a.example\n    events: [rotatd]\n`)).join('\n')).toMatch(/notify\[0\]\.events/)
    expect(problems(base('', `notify:\n  - url: https://a.example\n    signingKey: s3cret\n`)).join('\n')).toMatch(/signingKey/)
    expect(problems(base('', `notify:\n  - url: ftp://a.example\n`)).join('\n')).toMatch(/notify\[0\]\.url/)
  })
})
