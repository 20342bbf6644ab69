import {createServer, type IncomingHttpHeaders, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'

export interface Received {
  path: string
  headers: IncomingHttpHeaders
  body: string
}

/** A local webhook receiver that answers with the statuses it is given, then 204. */
export interface Hook {
  url: string
  received: Received[]
  answers: number[]
  close(): Promise<void>
}

export async function startHook(): Promise<Hook> {
  const received: Received[] = []
  const answers: number[] = []
  const server: Server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')))
    req.on('end', () => {
      received.push({path: req.url ?? '/', headers: req.headers, body})
      res.writeHead(answers.shift() ?? 204).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/T000/secret-token`,
    received,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}
