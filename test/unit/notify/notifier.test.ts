import {createHmac} from 'node:crypto'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {AuditInput} from '../../../src/audit/index.js'
import type {NotifyConfig} from '../../../src/config/types.js'
import {describeUrl, Notifier} from '../../../src/notify/index.js'
import {type Hook, startHook} from './webhook-server.js'

const fast = {attempts: 3, baseMs: 1, capMs: 2}

function hookConfig(url: string, overrides: Partial<NotifyConfig> = {}): NotifyConfig {
  return {
    url,
    events: ['rotated', 'failed', 'rolled-back', 'upcoming'],
    format: 'json',
    signatureHeader: 'X-Rotor-Signature',
    upcomingWithinMs: 7 * 86_400_000,
    timeoutMs: 2_000,
    ...overrides,
  }
}

describe('Notifier', () => {
  let hook: Hook
  const warnings: string[] = []
  const audit: AuditInput[] = []
  const deps = () => ({
    env: {ROTOR_HOOK_KEY: 'k3y'},
    warn: (m: string) => warnings.push(m),
    audit: {append: async (e: AuditInput) => (audit.push(e), undefined as never)},
    retryPolicy: fast,
  })

  beforeEach(async () => {
    hook = await startHook()
    warnings.length = 0
    audit.length = 0
  })
  afterEach(() => hook.close())

  it('posts the event as JSON, signed with HMAC-SHA256 of "<timestamp>.<body>"', async () => {
    const notifier = new Notifier([hookConfig(hook.url, {signingKeyEnv: 'ROTOR_HOOK_KEY'})], {...deps(), now: () => new Date('2026-03-01T00:00:05Z')})
    await notifier.send({event: 'rotated', secret: 'payments', at: '2026-03-01T00:00:00.000Z', reason: 'schedule'})
    expect(hook.received).toHaveLength(1)
    const [{body, headers}] = hook.received
    expect(JSON.parse(body)).toEqual({source: 'rotor', event: 'rotated', secret: 'payments', at: '2026-03-01T00:00:00.000Z', reason: 'schedule'})
    expect(headers['content-type']).toBe('application/json')
    const timestamp = Date.parse('2026-03-01T00:00:05Z') / 1000
    expect(headers['x-rotor-timestamp']).toBe(String(timestamp))
    expect(headers['x-rotor-signature']).toBe(`v1=${createHmac('sha256', 'k3y').update(`${timestamp}.${body}`).digest('hex')}`)
    expect(warnings).toEqual([])
  })

  it('sends only the events a webhook asked for, in Slack format when asked', async () => {
    const notifier = new Notifier([hookConfig(hook.url, {events: ['failed'], format: 'slack'})], deps())
    await notifier.send({event: 'rotated', secret: 'payments', at: '2026-03-01T00:00:00.000Z'})
    expect(hook.received).toEqual([])
    await notifier.send({event: 'failed', secret: 'payments', at: '2026-03-01T00:00:00.000Z', action: 'rotate', error: 'aws:payments throttled'})
    expect(JSON.parse(hook.received[0].body)).toEqual({text: ':x: rotor failed to rotate *payments*: aws:payments throttled'})
    expect(hook.received[0].headers['x-rotor-signature']).toBeUndefined()
  })

  it('retries a 5xx through the retry helper, then reports and audit-logs the failure without throwing', async () => {
    hook.answers.push(503, 503, 503)
    const notifier = new Notifier([hookConfig(hook.url)], deps())
    await expect(notifier.send({event: 'rotated', secret: 'payments', at: '2026-03-01T00:00:00.000Z'})).resolves.toBeUndefined()
    expect(hook.received).toHaveLength(3)
    expect(warnings).toEqual([expect.stringContaining('"rotated" for payments')])
    // The webhook path may hold a token (Slack's do): it is not repeated in messages or the log.
    expect(warnings[0]).not.toContain('secret-token')
    expect(audit).toEqual([expect.objectContaining({secret: 'payments', action: 'notify', outcome: 'failed', error: expect.stringContaining('503')})])
    expect(JSON.stringify(audit)).not.toContain('secret-token')
  })

  it('does not retry a 4xx, and succeeds after a transient failure', async () => {
    hook.answers.push(404)
    const notifier = new Notifier([hookConfig(hook.url)], deps())
    await notifier.send({event: 'rotated', secret: 'a', at: '2026-03-01T00:00:00.000Z'})
    expect(hook.received).toHaveLength(1)
    expect(audit).toHaveLength(1)
    hook.answers.push(500)
    await notifier.send({event: 'rotated', secret: 'b', at: '2026-03-01T00:00:00.000Z'})
    expect(hook.received).toHaveLength(3)
    expect(audit).toHaveLength(1)
  })

  it('sends nothing unsigned when the signing key variable is missing', async () => {
    const notifier = new Notifier([hookConfig(hook.url, {signingKeyEnv: 'NOT_SET'})], {...deps(), env: {}})
    await notifier.send({event: 'rotated', secret: 'payments', at: '2026-03-01T00:00:00.000Z'})
    expect(hook.received).toEqual([])
    expect(warnings[0]).toContain('NOT_SET is not set')
    expect(audit).toHaveLength(1)
  })

  it('reports an unreachable webhook without throwing', async () => {
    await hook.close()
    const notifier = new Notifier([hookConfig(hook.url)], deps())
    await notifier.send({event: 'rotated', secret: 'payments', at: '2026-03-01T00:00:00.000Z'})
    expect(warnings).toHaveLength(1)
    expect(audit).toHaveLength(1)
    hook = await startHook()
  })

  it('shows only scheme, host and the first path segment of a webhook URL', () => {
    expect(describeUrl('https://hooks.slack.com/services/T0/B0/xyz')).toBe('https://hooks.slack.com/services/…')
    expect(describeUrl('https://example.com/rotor')).toBe('https://example.com/rotor')
  })
})

describe('Notifier with the URL in an environment variable', () => {
  it('reads the URL from the variable, and reports it missing without sending', async () => {
    const hook = await startHook()
    try {
      const warnings: string[] = []
      const config = hookConfig('', {url: undefined, urlEnv: 'ROTOR_SLACK_URL'})
      await new Notifier([config], {env: {ROTOR_SLACK_URL: hook.url}, warn: (m) => warnings.push(m)}).send({event: 'rotated', secret: 'a', at: 'x'})
      expect(hook.received).toHaveLength(1)
      await new Notifier([config], {env: {}, warn: (m) => warnings.push(m)}).send({event: 'rotated', secret: 'a', at: 'x'})
      expect(hook.received).toHaveLength(1)
      expect(warnings).toEqual([expect.stringContaining('ROTOR_SLACK_URL holding the webhook URL is not set')])
    } finally {
      await hook.close()
    }
  })
})

describe('Notifier and the audit log', () => {
  it('fails when the failed delivery cannot be written to the audit log, instead of dropping the entry', async () => {
    const warnings: string[] = []
    const notifier = new Notifier([hookConfig('http://127.0.0.1:9/unreachable', {timeoutMs: 200})], {
      warn: (m: string) => warnings.push(m),
      audit: {append: async () => Promise.reject(new Error('disk full'))},
      retryPolicy: fast,
    })
    await expect(notifier.send({event: 'rotated', secret: 'payments', at: '2026-03-01T00:00:00.000Z'})).rejects.toThrow('disk full')
    expect(warnings.some((w) => w.includes('notification "rotated" for payments'))).toBe(true)
  })
})
