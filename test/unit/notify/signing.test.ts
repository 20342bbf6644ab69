import {createHmac, timingSafeEqual} from 'node:crypto'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import type {AuditInput} from '../../../src/audit/index.js'
import type {NotifyConfig} from '../../../src/config/types.js'
import {Notifier, REPLAY_WINDOW_SECONDS} from '../../../src/notify/index.js'
import {type Hook, type Received, startHook} from './webhook-server.js'

/** The receiver's check, as docs/security.md shows it (keep the two in step). */
function verifyRotorWebhook(headers: Record<string, string | string[] | undefined>, rawBody: string, key: string, nowSeconds = Math.floor(Date.now() / 1000)): boolean {
  const timestamp = String(headers['x-rotor-timestamp'] ?? '')
  const given = String(headers['x-rotor-signature'] ?? '')
  if (!/^\d+$/.test(timestamp) || Math.abs(nowSeconds - Number(timestamp)) > 300) return false
  const expected = `v1=${createHmac('sha256', key).update(`${timestamp}.${rawBody}`).digest('hex')}`
  return given.length === expected.length && timingSafeEqual(Buffer.from(given), Buffer.from(expected))
}

const hookConfig = (url: string, overrides: Partial<NotifyConfig> = {}): NotifyConfig => ({
  url,
  events: ['rotated', 'failed', 'rolled-back', 'upcoming'],
  format: 'json',
  signatureHeader: 'X-Rotor-Signature',
  signingKeyEnv: 'HOOK_KEY',
  upcomingWithinMs: 7 * 86_400_000,
  timeoutMs: 2_000,
  ...overrides,
})

const event = {event: 'rotated' as const, secret: 'payments', at: '2026-03-01T00:00:00.000Z'}

describe('webhook signatures cover a timestamp and the body', () => {
  let hook: Hook
  const warnings: string[] = []
  const audit: AuditInput[] = []
  const options = (now: () => Date) => ({
    env: {HOOK_KEY: 'k3y-for-tests'},
    warn: (m: string) => warnings.push(m),
    audit: {append: async (e: AuditInput) => (audit.push(e), undefined as never)},
    retryPolicy: {attempts: 3, baseMs: 1, capMs: 2},
    now,
  })
  beforeEach(async () => {
    hook = await startHook()
    warnings.length = 0
    audit.length = 0
  })
  afterEach(() => hook.close())

  const deliveredAt = async (seconds: number): Promise<Received> => {
    await new Notifier([hookConfig(hook.url)], options(() => new Date(seconds * 1000))).send(event)
    return hook.received.at(-1)!
  }

  it('verifies with the documented check inside the replay window, and not outside it', async () => {
    const sent = 1_800_000_000
    const {headers, body} = await deliveredAt(sent)
    expect(REPLAY_WINDOW_SECONDS).toBe(300)
    expect(verifyRotorWebhook(headers, body, 'k3y-for-tests', sent)).toBe(true)
    expect(verifyRotorWebhook(headers, body, 'k3y-for-tests', sent + 299)).toBe(true)
    // The same delivery replayed later: same signature, but its timestamp is stale.
    expect(verifyRotorWebhook(headers, body, 'k3y-for-tests', sent + 301)).toBe(false)
  })

  it('refuses a changed body, a changed timestamp, or another key', async () => {
    const sent = 1_800_000_000
    const {headers, body} = await deliveredAt(sent)
    expect(verifyRotorWebhook(headers, body.replace('payments', 'billing'), 'k3y-for-tests', sent)).toBe(false)
    expect(verifyRotorWebhook({...headers, 'x-rotor-timestamp': String(sent + 60)}, body, 'k3y-for-tests', sent + 60)).toBe(false)
    expect(verifyRotorWebhook(headers, body, 'another-key', sent)).toBe(false)
  })

  it('signs each attempt afresh, so a retried delivery carries its own time', async () => {
    hook.answers.push(503)
    let clock = 1_800_000_000
    await new Notifier([hookConfig(hook.url)], options(() => new Date((clock += 7) * 1000))).send(event)
    expect(hook.received).toHaveLength(2)
    const [first, second] = hook.received
    expect(Number(second.headers['x-rotor-timestamp'])).toBeGreaterThan(Number(first.headers['x-rotor-timestamp']))
    expect(verifyRotorWebhook(second.headers, second.body, 'k3y-for-tests', clock)).toBe(true)
  })
})

describe('webhook URLs from the environment', () => {
  const warnings: string[] = []
  const audit: AuditInput[] = []
  const deps = (env: NodeJS.ProcessEnv) => ({
    env,
    warn: (m: string) => warnings.push(m),
    audit: {append: async (e: AuditInput) => (audit.push(e), undefined as never)},
    retryPolicy: {attempts: 1, baseMs: 1, capMs: 2},
  })
  beforeEach(() => {
    warnings.length = 0
    audit.length = 0
  })

  it('refuses plain http:// to another host, names the host only, and audit-logs it', async () => {
    const hook = hookConfig('', {url: undefined, urlEnv: 'HOOK_URL'})
    await new Notifier([hook], deps({HOOK_URL: 'http://hooks.example.invalid/T0/secret-token', HOOK_KEY: 'k'})).send(event)
    expect(warnings).toEqual([expect.stringMatching(/plain http:\/\/ to hooks\.example\.invalid.*nothing was sent/)])
    expect(warnings[0]).not.toContain('secret-token')
    expect(audit).toEqual([expect.objectContaining({action: 'notify', outcome: 'failed', error: expect.stringContaining('plain http://')})])
  })

  it('sends to a loopback http:// URL, and to a remote one when allowInsecureTransport is set', async () => {
    const hook = await startHook()
    try {
      await new Notifier([hookConfig('', {url: undefined, urlEnv: 'HOOK_URL'})], deps({HOOK_URL: hook.url, HOOK_KEY: 'k'})).send(event)
      expect(hook.received).toHaveLength(1)
      const allowed = hookConfig('', {url: undefined, urlEnv: 'HOOK_URL', allowInsecureTransport: true})
      await new Notifier([allowed], deps({HOOK_URL: 'http://hooks.example.invalid/x', HOOK_KEY: 'k'})).send(event)
      // It tried the network (and failed to resolve the name) instead of refusing.
      expect(warnings).toHaveLength(1)
      expect(warnings[0]).not.toContain('plain http://')
    } finally {
      await hook.close()
    }
  })
})
