/**
 * Sends notifications to the configured webhooks. A notification never fails a rotation: every
 * delivery error is caught, reported through `warn` (stderr in the CLI) and written to the audit
 * log. Deliveries go through rotor's one retry helper.
 */
import type {AuditLog} from '../audit/index.js'
import type {NotifyConfig} from '../config/types.js'
import {RotorError, ThrottledError, UnavailableError} from '../errors/index.js'
import {retry, type RetryHooks, type RetryPolicy} from '../util/retry.js'
import {insecureTransportMessage, isPlainTextRemote} from '../util/transport.js'
import {jsonBody, type NotifyMessage, signature, slackBody, TIMESTAMP_HEADER} from './format.js'

export const NOTIFY_RETRY: RetryPolicy = {attempts: 3, baseMs: 250, capMs: 2_000}

export interface NotifierOptions {
  env?: NodeJS.ProcessEnv
  warn?: (message: string) => void
  audit?: Pick<AuditLog, 'append'>
  retryPolicy?: RetryPolicy
  retryHooks?: RetryHooks
  /** Wall-clock time for signature timestamps (receivers compare it with theirs). */
  now?: () => Date
}

export class NotifyError extends RotorError {
  override readonly code = 'NOTIFY_FAILED'
}

export class Notifier {
  constructor(
    readonly hooks: NotifyConfig[],
    private readonly options: NotifierOptions = {},
  ) {}

  /** True when some webhook wants this event. */
  wants(event: NotifyMessage['event']): boolean {
    return this.hooks.some((h) => h.events.includes(event))
  }

  /** Delivers to every webhook that wants the event (and passes `only`); never throws. */
  async send(message: NotifyMessage, only: (hook: NotifyConfig, index: number) => boolean = () => true): Promise<void> {
    await Promise.all(this.hooks.map((h, i) => (h.events.includes(message.event) && only(h, i) ? this.deliver(h, message) : undefined)))
  }

  private async deliver(hook: NotifyConfig, message: NotifyMessage): Promise<void> {
    const env = this.options.env ?? process.env
    const url = hook.url ?? env[hook.urlEnv ?? ''] ?? ''
    const where = hook.url ? describeUrl(hook.url) : `the webhook in $${hook.urlEnv}`
    try {
      if (!url) throw new NotifyError(`the variable ${hook.urlEnv} holding the webhook URL is not set; nothing was sent`)
      // A URL in the config was checked when it was loaded; one from the environment is checked here.
      if (!hook.allowInsecureTransport && isPlainTextRemote(url)) {
        throw new NotifyError(`${insecureTransportMessage(where, url)}; nothing was sent`)
      }
      const body = hook.format === 'slack' ? slackBody(message) : jsonBody(message)
      const key = hook.signingKeyEnv ? env[hook.signingKeyEnv] : undefined
      if (hook.signingKeyEnv && !key) throw new NotifyError(`the signing key variable ${hook.signingKeyEnv} is not set; nothing was sent`)
      const now = this.options.now ?? (() => new Date())
      const attempt = () => {
        const headers: Record<string, string> = {'content-type': 'application/json', 'user-agent': 'rotor'}
        if (key) {
          // Signed at each attempt, so a retry carries a fresh timestamp inside the replay window.
          const timestamp = Math.floor(now().getTime() / 1000)
          headers[TIMESTAMP_HEADER] = String(timestamp)
          headers[hook.signatureHeader] = signature(body, key, timestamp)
        }
        return post(url, hook.timeoutMs, body, headers, where)
      }
      await retry(attempt, this.options.retryPolicy ?? NOTIFY_RETRY, this.options.retryHooks)
    } catch (error) {
      const reason = (error as Error).message
      this.options.warn?.(`notification "${message.event}" for ${message.secret} to ${where} failed: ${reason}`)
      // A notification never fails a rotation, but an audit entry that cannot be written does:
      // the log must never silently miss a line.
      await this.options.audit?.append({secret: message.secret, action: 'notify', reason: `${message.event} to ${where}`, outcome: 'failed', error: reason.slice(0, 500)})
    }
  }
}

async function post(url: string, timeoutMs: number, body: string, headers: Record<string, string>, where: string): Promise<void> {
  let response: Response
  try {
    response = await fetch(url, {method: 'POST', body, headers, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual'})
  } catch (error) {
    const cause = (error as {cause?: {code?: string}}).cause?.code
    const why = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (cause ?? (error as Error).message)
    throw new UnavailableError(`${where}: ${why}`)
  }
  await response.body?.cancel().catch(() => undefined)
  if (response.ok) return
  if (response.status === 429) {
    const retryAfter = Number(response.headers.get('retry-after'))
    throw new ThrottledError(`${where} answered 429`, retryAfter > 0 ? {retryAfterMs: Math.min(retryAfter, 10) * 1000} : {})
  }
  if (response.status >= 500) throw new UnavailableError(`${where} answered ${response.status}`)
  throw new NotifyError(`${where} answered ${response.status}`)
}

/** Webhook URLs often embed a token (Slack's do): only scheme, host and the first path segment are shown. */
export function describeUrl(url: string): string {
  try {
    const parsed = new URL(url)
    const [first, ...rest] = parsed.pathname.split('/').filter(Boolean)
    return `${parsed.protocol}//${parsed.host}/${first ?? ''}${rest.length > 0 ? '/…' : ''}`
  } catch {
    return '(webhook)'
  }
}
