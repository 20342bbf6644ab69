/**
 * What a webhook receives. Only names, times, reasons and error messages: a notification never
 * carries a secret value (RotorError messages never contain one either).
 */
import {createHmac} from 'node:crypto'
import type {NotifyEvent} from '../config/types.js'

export interface NotifyMessage {
  event: NotifyEvent
  secret: string
  /** When it happened (rotor's clock). */
  at: string
  /** Why: schedule, max-age, manual, emergency, ... */
  reason?: string
  /** For `failed`: which step failed and the error message. */
  action?: string
  error?: string
  /** For `upcoming`: when the rotation is due. */
  dueAt?: string
  environment?: string
}

export function jsonBody(message: NotifyMessage): string {
  return JSON.stringify({source: 'rotor', ...message})
}

const HEADLINE: Record<NotifyEvent, (m: NotifyMessage) => string> = {
  rotated: (m) => `:white_check_mark: rotor rotated *${m.secret}*${m.reason ? ` (${m.reason})` : ''}`,
  failed: (m) => `:x: rotor failed to ${m.action ?? 'change'} *${m.secret}*: ${m.error ?? 'unknown error'}`,
  'rolled-back': (m) => `:leftwards_arrow_with_hook: rotor rolled back *${m.secret}*${m.reason ? `: ${m.reason}` : ''}`,
  upcoming: (m) => `:calendar: *${m.secret}* will be rotated at ${m.dueAt}`,
}

/** Slack incoming-webhook format (also understood by Mattermost and Rocket.Chat). */
export function slackBody(message: NotifyMessage): string {
  const env = message.environment ? ` [${message.environment}]` : ''
  return JSON.stringify({text: `${HEADLINE[message.event](message)}${env}`})
}

export const TIMESTAMP_HEADER = 'X-Rotor-Timestamp'
/** How old a signed delivery a receiver should accept (docs/security.md); rotor signs at each attempt. */
export const REPLAY_WINDOW_SECONDS = 300

/**
 * `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`, with the timestamp (unix seconds) sent in
 * X-Rotor-Timestamp, as Stripe and Slack sign theirs: the signature covers the time, so a
 * receiver that refuses timestamps older than REPLAY_WINDOW_SECONDS cannot be replayed an old
 * event. Receivers compare it in constant time.
 */
export function signature(body: string, key: string, timestamp: number): string {
  return `v1=${createHmac('sha256', key).update(`${timestamp}.${body}`).digest('hex')}`
}
