/**
 * node-vault's HTTP transport, through its `request-promise` option: one keep-alive agent and
 * node:http(s), in place of the axios + follow-redirects stack node-vault builds by default. Same
 * requests on the wire (method, path, X-Vault-Token, JSON body), same answers to node-vault
 * (`{statusCode, body, request: {path}}`, every status resolved, node-vault decides what fails).
 * Measured in the fleet bench (bench/fleet.js --per-store): axios' per-request config merging,
 * header normalisation, proxy lookup and redirect wrapper were most of Vault's CPU per call.
 *
 * What the default stack did that this one keeps: a 307/308 from a standby node is followed to
 * the active one (same method and body, at most MAX_REDIRECTS, never from https:// to http://);
 * JSON answers are parsed, anything else is kept as text; the request timeout; `ca` and
 * `strictSSL`. Proxies: axios honours HTTP(S)_PROXY from the environment, this transport does
 * not, so the session keeps node-vault's default stack when one is set (`proxyConfigured`).
 */
import {Agent as HttpAgent, request as httpRequest, type IncomingMessage} from 'node:http'
import {Agent as HttpsAgent, request as httpsRequest} from 'node:https'

const MAX_REDIRECTS = 5

/** What node-vault hands its request function (the postman-request options it builds). */
export interface VaultRequestOptions {
  method: string
  uri: string
  headers?: Record<string, string>
  /** A body to send as JSON (writes); `true` (the default) only asks for a JSON answer. */
  json?: unknown
  timeout?: number
  ca?: string | Buffer
  strictSSL?: boolean
}

export interface VaultResponse {
  statusCode: number
  body: unknown
  request: {path: string}
}

/** Whether axios would send this process's requests through a proxy (then node-vault keeps axios). */
export function proxyConfigured(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'].some((name) => Boolean(env[name]))
}

/**
 * The object node-vault takes as `request-promise`: `defaults(rpDefaults)` returns the function
 * it calls for each request. One http and one https agent (keep-alive) per session.
 */
export function vaultTransport(): {defaults: (defaults: {strictSSL?: boolean; timeout?: number}) => (options: VaultRequestOptions) => Promise<VaultResponse>} {
  return {
    defaults: (defaults) => {
      const http = new HttpAgent({keepAlive: true})
      // One agent per CA object (node-vault passes the session's same Buffer on every call) and verification setting.
      const https = new Map<string | Buffer | undefined, Map<boolean, HttpsAgent>>()
      const httpsAgent = (ca: string | Buffer | undefined, verify: boolean) => {
        let byVerify = https.get(ca)
        if (!byVerify) https.set(ca, (byVerify = new Map()))
        let agent = byVerify.get(verify)
        if (!agent) {
          agent = new HttpsAgent({keepAlive: true, rejectUnauthorized: verify, ...(ca === undefined ? {} : {ca})})
          byVerify.set(verify, agent)
        }
        return agent
      }
      return (options) => {
        const verify = (options.strictSSL ?? defaults.strictSSL) !== false
        const body = options.json !== undefined && typeof options.json === 'object' && options.json !== null ? JSON.stringify(options.json) : undefined
        const send = (url: URL, redirects: number): Promise<VaultResponse> =>
          new Promise<VaultResponse>((resolve, reject) => {
            const secure = url.protocol === 'https:'
            const headers: Record<string, string> = {accept: 'application/json, text/plain, */*', ...options.headers}
            if (body !== undefined) {
              if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['Content-Type'] = 'application/json'
              headers['Content-Length'] = String(Buffer.byteLength(body))
            }
            const call = secure ? httpsRequest : httpRequest
            const request = call(url, {method: options.method, headers, agent: secure ? httpsAgent(options.ca, verify) : http}, (response) => {
              const status = response.statusCode ?? 0
              const location = response.headers.location
              if ((status === 307 || status === 308) && location && redirects < MAX_REDIRECTS) {
                response.resume()
                const next = new URL(location, url)
                if (url.protocol === 'https:' && next.protocol !== 'https:') {
                  reject(Object.assign(new Error(`Vault redirected ${url.pathname} from https:// to ${next.protocol}//; not followed`), {code: 'ERR_TLS_DOWNGRADE'}))
                  return
                }
                send(next, redirects + 1).then(resolve, reject)
                return
              }
              readBody(response).then((text) => resolve({statusCode: status, body: parse(text), request: {path: url.pathname}}), reject)
            })
            const timeout = options.timeout ?? defaults.timeout
            if (timeout) {
              request.setTimeout(timeout, () => request.destroy(Object.assign(new Error(`timeout of ${timeout}ms exceeded`), {code: 'ETIMEDOUT'})))
            }
            request.on('error', reject)
            request.end(body)
          })
        return send(new URL(options.uri), 0)
      }
    },
  }
}

function readBody(response: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    response.on('data', (chunk: Buffer) => chunks.push(chunk))
    response.on('end', () => resolve(chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8')))
    response.on('error', reject)
  })
}

/** As axios answers node-vault: JSON parsed where it is JSON, else the text ('' for no body). */
function parse(text: string): unknown {
  if (text === '') return text
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}
