/**
 * node-vault over rotor's lean transport (providers/vault/transport.ts), on the wire: a standby
 * node's 307 is followed with the same method and body, a request that gets no answer times out
 * as a retryable error, and a configured proxy keeps node-vault's own (axios) stack.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server} from 'node:http'
import {createServer as createHttpsServer} from 'node:https'
import type {AddressInfo} from 'node:net'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {UnavailableError} from '../../../src/errors/index.js'
import {SecretValue} from '../../../providers/types.js'
import {proxyConfigured} from '../../../providers/vault/transport.js'
import {emulatorCertificate} from '../../emulators/azure/certs.js'
import {type Harness, harness} from './harness.js'

let h: Harness
let front: Server | undefined
beforeEach(async () => {
  h = await harness()
})
afterEach(async () => {
  await new Promise<void>((resolve) => (front ? front.close(() => resolve()) : resolve()))
  front = undefined
  await h.close()
})

/** A plain http server on 127.0.0.1 answering with `handle`; its address. */
async function serve(handle: (req: IncomingMessage, res: import('node:http').ServerResponse) => void): Promise<string> {
  front = createServer(handle)
  await new Promise<void>((resolve) => front!.listen(0, '127.0.0.1', () => resolve()))
  return `http://127.0.0.1:${(front.address() as AddressInfo).port}`
}

/** An https:// front (self-signed certificate) passing every request on to the emulator; its address and CA file. */
async function tlsFront(): Promise<{address: string; caFile: string}> {
  const {cert, key} = await emulatorCertificate()
  front = createHttpsServer({cert, key}, (req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const headers: Record<string, string> = {}
      for (const name of ['x-vault-token', 'content-type']) if (req.headers[name]) headers[name] = String(req.headers[name])
      fetch(`${h.emulator.address}${req.url}`, {method: req.method, headers, ...(chunks.length > 0 ? {body: Buffer.concat(chunks)} : {})})
        .then(async (answer) => res.writeHead(answer.status, {'content-type': answer.headers.get('content-type') ?? 'application/json'}).end(await answer.text()))
        .catch(() => res.writeHead(502).end())
    })
  }) as unknown as Server
  await new Promise<void>((resolve) => front!.listen(0, '127.0.0.1', () => resolve()))
  const dir = mkdtempSync(join(tmpdir(), 'rotor-vault-tls-'))
  cleanups.push(() => rmSync(dir, {recursive: true, force: true}))
  writeFileSync(join(dir, 'ca.pem'), cert)
  return {address: `https://127.0.0.1:${(front.address() as AddressInfo).port}`, caFile: join(dir, 'ca.pem')}
}
const cleanups: Array<() => void> = []
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup()
})

describe('vault transport', () => {
  it('talks TLS to a Vault whose CA is tls.caFile, and refuses one it cannot verify', async () => {
    const {address, caFile} = await tlsFront()
    const client = await h.open({address, tls: {caFile}})
    await client.writeVersion('tls/one', new SecretValue('over-tls'), {rotationId: 'r-tls', stage: 'current'})
    expect((await h.raw('GET', 'secret/data/tls/one')).body.data.data.value).toBe('over-tls')
    expect((await client.describe('tls/one')).versions).toHaveLength(1)

    const unverified = await h.open({address})
    const error = await unverified.describe('tls/one').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnavailableError)
    expect((error as UnavailableError).message).toContain('TLS to Vault failed')
    expect((error as UnavailableError).retryable).toBe(false)
  })

  it('follows a standby node’s 307 to the active node with the same method, token and body', async () => {
    const seen: string[] = []
    const address = await serve((req, res) => {
      seen.push(`${req.method} ${req.url}`)
      res.writeHead(307, {location: `${h.emulator.address}${req.url}`}).end()
    })
    const client = await h.open({address})
    await client.writeVersion('redirected/one', new SecretValue('through-the-standby'), {rotationId: 'r-1', stage: 'current'})
    const stored = await h.raw('GET', 'secret/data/redirected/one')
    expect(stored.status).toBe(200)
    expect(stored.body.data.data.value).toBe('through-the-standby')
    expect(seen.some((line) => line.startsWith('POST /v1/secret/data/redirected/one'))).toBe(true)
    const snapshot = await client.describe('redirected/one')
    expect(snapshot.exists).toBe(true)
    expect(snapshot.versions).toHaveLength(1)
  })

  it('gives up on a request with no answer after timeoutSeconds, as a retryable error', async () => {
    const address = await serve(() => {
      // Never answers.
    })
    const client = await h.open({address, timeoutSeconds: 1})
    const error = await client.describe('slow').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UnavailableError)
    expect((error as UnavailableError).retryable).toBe(true)
    expect((error as UnavailableError).message).toContain('ETIMEDOUT')
  })

  it('answers a non-JSON body as text (node-vault reports its status)', async () => {
    const address = await serve((_req, res) => res.writeHead(502, {'content-type': 'text/html'}).end('<html>bad gateway</html>'))
    const client = await h.open({address})
    await expect(client.describe('x')).rejects.toMatchObject({name: 'UnavailableError', message: expect.stringContaining('502')})
  })

  it('leaves proxied set-ups on node-vault’s own stack (which honours HTTP(S)_PROXY)', () => {
    expect(proxyConfigured({})).toBe(false)
    expect(proxyConfigured({HTTPS_PROXY: 'http://proxy:3128'})).toBe(true)
    expect(proxyConfigured({http_proxy: 'http://proxy:3128'})).toBe(true)
  })
})
