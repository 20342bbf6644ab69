/**
 * The AWS client's lean middleware (providers/aws/lean-stack.ts), on the wire: requests are still
 * signed and carry the SDK's user agent (built once, `rotor` appended), without the per-call
 * retry headers of an SDK that never retries.
 */
import {createServer, type IncomingHttpHeaders, type Server} from 'node:http'
import type {AddressInfo} from 'node:net'
import {ListSecretVersionIdsCommand, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {afterEach, describe, expect, it} from 'vitest'
import {leanMiddleware} from '../../../providers/aws/lean-stack.js'

let server: Server | undefined
afterEach(async () => {
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

async function capture(): Promise<{endpoint: string; seen: IncomingHttpHeaders[]}> {
  const seen: IncomingHttpHeaders[] = []
  server = createServer((req, res) => {
    seen.push(req.headers)
    req.resume()
    req.on('end', () => res.writeHead(200, {'content-type': 'application/x-amz-json-1.1'}).end(JSON.stringify({ARN: 'arn', Name: 'n', Versions: []})))
  })
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()))
  return {endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen}
}

const sdk = (endpoint: string) =>
  new SecretsManagerClient({region: 'us-east-1', endpoint, maxAttempts: 1, credentials: {accessKeyId: 'AKIDLEANSTACK', secretAccessKey: 'secret'}, cacheMiddleware: true})

describe('aws lean middleware', () => {
  it('sends signed requests with the SDK user agent and no retry headers', async () => {
    const {endpoint, seen} = await capture()
    const stock = sdk(endpoint)
    await stock.send(new ListSecretVersionIdsCommand({SecretId: 'a'}))
    const lean = sdk(endpoint)
    leanMiddleware(lean)
    await lean.send(new ListSecretVersionIdsCommand({SecretId: 'a'}))
    await lean.send(new ListSecretVersionIdsCommand({SecretId: 'b'}))
    const [before, ...after] = seen
    expect(before['amz-sdk-invocation-id']).toBeDefined()
    for (const headers of after) {
      expect(headers.authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDLEANSTACK\//)
      expect(headers['amz-sdk-invocation-id']).toBeUndefined()
      expect(headers['amz-sdk-request']).toBeUndefined()
      // The stock sections (all but its per-call feature list `m/...`), then rotor.
      const stockSections = String(before['user-agent'])
        .split(' ')
        .filter((s) => !s.startsWith('m/'))
      expect(String(headers['user-agent'])).toBe([...stockSections, 'rotor'].join(' '))
      expect(headers['x-amz-user-agent']).toBe(before['x-amz-user-agent'])
    }
  })
})
