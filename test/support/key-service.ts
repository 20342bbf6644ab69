/**
 * A small partner key service over real HTTP, for the command issuer's tests and example: an
 * admin (bearer token) registers keys under an id, revokes them and lists them; anyone can try to
 * log in with an id and a secret (`POST /auth`). The command issuer's example scripts
 * (examples/command-issuer/partner.mjs) drive it; `authenticates` asks it directly.
 */
import {timingSafeEqual} from 'node:crypto'
import {createServer, type IncomingMessage, type ServerResponse} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface KeyService {
  url: string
  token: string
  /** Logs in with id and secret through the service's own endpoint: true when it answers 200. */
  authenticates(id: string, secret: string): Promise<boolean>
  /** Ids registered now (for assertions). */
  ids(): string[]
  /** Every request line seen, e.g. `PUT /keys/a-1` (never a body). */
  requests: string[]
  stop(): Promise<void>
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b))

export async function startKeyService(token = `admin-${Math.random().toString(36).slice(2)}`): Promise<KeyService> {
  const keys = new Map<string, string>()
  const requests: string[] = []
  const server = createServer((req, res) => {
    handle(req, res).catch(() => send(res, 500, {error: 'internal'}))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    requests.push(`${req.method} ${url.pathname}`)
    const body = await readBody(req)
    if (req.method === 'POST' && url.pathname === '/auth') {
      const {id, secret} = parse(body)
      const known = typeof id === 'string' ? keys.get(id) : undefined
      return send(res, known !== undefined && typeof secret === 'string' && same(known, secret) ? 200 : 401, {})
    }
    if (req.headers.authorization !== `Bearer ${token}`) return send(res, 403, {error: 'admin token required'})
    const match = /^\/keys\/([^/]+)$/.exec(url.pathname)
    if (req.method === 'GET' && url.pathname === '/keys') {
      const prefix = url.searchParams.get('prefix') ?? ''
      return send(res, 200, {keys: [...keys.keys()].filter((id) => id.startsWith(prefix)).sort()})
    }
    if (match && req.method === 'PUT') {
      const {secret} = parse(body)
      if (typeof secret !== 'string' || secret.length < 8) return send(res, 400, {error: 'secret must be a string of at least 8 characters'})
      keys.set(decodeURIComponent(match[1]), secret)
      return send(res, 200, {id: decodeURIComponent(match[1])})
    }
    if (match && req.method === 'DELETE') {
      const existed = keys.delete(decodeURIComponent(match[1]))
      return send(res, existed ? 204 : 404, {})
    }
    return send(res, 404, {error: 'no such endpoint'})
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url,
    token,
    requests,
    ids: () => [...keys.keys()].sort(),
    async authenticates(id, secret) {
      const response = await fetch(`${url}/auth`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({id, secret})})
      return response.status === 200
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function parse(body: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(body)
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {}
  } catch {
    return {}
  }
}

function send(res: ServerResponse, status: number, body: object): void {
  res.writeHead(status, {'content-type': 'application/json'})
  res.end(status === 204 ? undefined : JSON.stringify(body))
}
