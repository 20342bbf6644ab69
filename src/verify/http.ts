import type {HttpVerify} from '../config/types.js'
import type {SecretValue} from '../../providers/types.js'
import {VerifyError} from './errors.js'

const PLACEHOLDER = /\{\{\s*value\s*\}\}/g

export const fillTemplate = (template: string, value: SecretValue): string => template.replace(PLACEHOLDER, () => value.reveal())

/** One request; the response body is never read, so an echoing endpoint cannot leak the value. */
export async function runHttpCheck(check: HttpVerify, value: SecretValue, timeoutMs: number, secret: string): Promise<void> {
  const headers = Object.fromEntries(Object.entries(check.headers).map(([name, template]) => [name, fillTemplate(template, value)]))
  const what = `verify of ${secret}: ${check.method} ${redactUrl(check.url)}`
  let response: Response
  try {
    response = await fetch(check.url, {
      method: check.method,
      headers,
      ...(check.body !== undefined ? {body: fillTemplate(check.body, value)} : {}),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
    })
  } catch (error) {
    const reason = (error as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : networkReason(error)
    throw new VerifyError(`${what} failed: ${reason}`)
  }
  await response.body?.cancel().catch(() => undefined)
  if (response.status !== check.expectStatus) {
    throw new VerifyError(`${what} answered ${response.status}, expected ${check.expectStatus}`)
  }
}

function networkReason(error: unknown): string {
  const cause = (error as {cause?: {code?: string}}).cause
  return cause?.code ?? (error as Error).name ?? 'request failed'
}

/** Query strings and credentials in a URL are not printed. */
function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`
  } catch {
    return '(url)'
  }
}
