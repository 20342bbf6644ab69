/**
 * Which URLs rotor may use without TLS. Tokens and secret values travel in rotor's requests (a
 * Vault token, a value under verification, a webhook's signature), so plain `http://` is allowed
 * only to this machine (127.0.0.0/8, ::1, localhost: emulators and local agents), or where the
 * store or hook says `allowInsecureTransport: true`.
 */

/** The setting that allows plain http:// to another host. */
export const ALLOW_INSECURE_TRANSPORT = 'allowInsecureTransport'

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '')
  if (host === 'localhost' || host === '::1') return true
  if (/^::ffff:127\./.test(host)) return true
  const octets = host.split('.')
  return octets.length === 4 && octets[0] === '127' && octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)
}

/** True for an `http://` URL whose host is not this machine; false for https and for text that is no URL. */
export function isPlainTextRemote(url: string): boolean {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return false
  }
  return parsed.protocol === 'http:' && !isLoopbackHost(parsed.hostname)
}

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return '(url)'
  }
}

/** The message for a plain-text URL that is not allowed; names the host, never the whole URL (it may hold a token). */
export function insecureTransportMessage(what: string, url: string): string {
  return `${what} uses plain http:// to ${hostOf(url)}, which is not this machine: tokens and values would cross the network unencrypted; use https://, or set ${ALLOW_INSECURE_TRANSPORT}: true if the network is trusted`
}

/** The warning when plain text is allowed: said by `doctor` and when the URL is used. */
export function insecureTransportWarning(what: string, url: string): string {
  return `${what} uses plain http:// to ${hostOf(url)} (${ALLOW_INSECURE_TRANSPORT}: true): tokens and values cross the network unencrypted`
}
