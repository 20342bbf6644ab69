/**
 * A small HTTP proxy that puts faults in front of a real server (moto, for the aws-iam issuer):
 * per AWS Query action (`Action=` in the form body, e.g. CreateAccessKey), by rate or scripted,
 * with the shared fault injector of the emulators (test/emulators/shared/faults.ts), so a seed
 * replays a run. Faults:
 * - `throttle`: answers 400 `Throttling` (the Query protocol's XML error), the server never sees it;
 * - `server-error`: answers 500 `ServiceFailure`, the server never sees it;
 * - `reset`: destroys the connection before forwarding (nothing happened);
 * - `drop-response`: forwards, lets the server act, then destroys the connection instead of
 *   answering: "the request was executed but its response was lost".
 * Every request is forwarded byte for byte with its own Host header, so SigV4 signatures made for
 * the proxy's address still verify at the server.
 */
import {createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {FaultInjector} from '../emulators/shared/faults.js'

export type ProxyFaultKind = 'throttle' | 'server-error' | 'reset' | 'drop-response'

export interface ProxyFaultRates {
  latencyMs?: number
  throttleRate?: number
  serverErrorRate?: number
  resetRate?: number
  dropResponseRate?: number
}

export class ProxyFaults extends FaultInjector<ProxyFaultKind, ProxyFaultRates> {
  constructor(seed?: number) {
    super(seed, {
      drawn: [
        ['resetRate', 'reset'],
        ['dropResponseRate', 'drop-response'],
        ['throttleRate', 'throttle'],
        ['serverErrorRate', 'server-error'],
      ],
    })
  }
}

export interface FaultProxy {
  endpoint: string
  faults: ProxyFaults
  /** What happened per action: `CreateAccessKey:drop-response` -> count, `CreateAccessKey:ok` -> count. */
  counts: Map<string, number>
  stop(): Promise<void>
}

const xmlError = (code: string, message: string) =>
  `<ErrorResponse><Error><Type>${code === 'Throttling' ? 'Sender' : 'Receiver'}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`

export async function startFaultProxy(target: string, seed?: number): Promise<FaultProxy> {
  const faults = new ProxyFaults(seed)
  const counts = new Map<string, number>()
  const upstream = new URL(target)
  const count = (key: string) => counts.set(key, (counts.get(key) ?? 0) + 1)

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(chunk as Buffer)
    const body = Buffer.concat(chunks)
    const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? new URL(req.url ?? '/', 'http://x').searchParams.get('Action') ?? 'unknown'
    const fault = await faults.delayAndDraw(action)
    count(`${action}:${fault ?? 'ok'}`)
    if (fault === 'reset') return void req.socket.destroy()
    if (fault === 'throttle') {
      res.writeHead(400, {'content-type': 'text/xml'})
      return void res.end(xmlError('Throttling', 'Rate exceeded'))
    }
    if (fault === 'server-error') {
      res.writeHead(500, {'content-type': 'text/xml'})
      return void res.end(xmlError('ServiceFailure', 'injected server failure'))
    }
    const forwarded = httpRequest(
      {hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers},
      (answer) => {
        const parts: Buffer[] = []
        answer.on('data', (d: Buffer) => parts.push(d))
        answer.on('end', () => {
          // The server acted; the caller never learns it.
          if (fault === 'drop-response') return void req.socket.destroy()
          res.writeHead(answer.statusCode ?? 502, answer.headers)
          res.end(Buffer.concat(parts))
        })
      },
    )
    forwarded.on('error', () => req.socket.destroy())
    forwarded.end(body)
  }

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy())
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  const port = typeof address === 'object' && address ? address.port : 0
  return {
    endpoint: `http://127.0.0.1:${port}`,
    faults,
    counts,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
