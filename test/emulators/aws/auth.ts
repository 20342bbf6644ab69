/**
 * The SigV4 check in front of the emulator, after the AWS Signature Version 4 reference
 * ("Create a signed AWS API request"): an `Authorization: AWS4-HMAC-SHA256 Credential=AKID/
 * date/region/service/aws4_request, SignedHeaders=..., Signature=...` header and `X-Amz-Date`.
 * Errors use the JSON-protocol types AWS answers with: MissingAuthenticationTokenException,
 * IncompleteSignatureException, InvalidSignatureException, UnrecognizedClientException (all 400).
 * When the emulator knows the caller's secret key it verifies the signature itself, so a test
 * proves that the SDK really signed the request rather than that some header was present.
 */
import {createHash, createHmac} from 'node:crypto'
import type {IncomingHttpHeaders} from 'node:http'
import {AwsFault} from './model.js'

export interface EmuCredentials {
  accessKeyId: string
  secretAccessKey: string
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest()
const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex')

/** Returns the access key id the request was signed with. */
export function checkSignature(
  method: string,
  url: string,
  headers: IncomingHttpHeaders,
  body: Buffer,
  expect: {region: string; credentials?: EmuCredentials[]},
): string {
  const authorization = headers.authorization
  if (!authorization) throw new AwsFault('MissingAuthenticationTokenException', 'Missing Authentication Token')
  const match = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(authorization)
  if (!match) {
    throw new AwsFault(
      'IncompleteSignatureException',
      "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters; found: " + authorization.split(' ')[0],
    )
  }
  const [, credential, signedHeaders, signature] = match
  const scope = credential.split('/')
  if (scope.length !== 5 || scope[4] !== 'aws4_request') throw new AwsFault('IncompleteSignatureException', 'Credential scope is malformed.')
  const [accessKeyId, date, region, service] = scope
  if (service !== 'secretsmanager') throw new AwsFault('InvalidSignatureException', "Credential should be scoped to correct service: 'secretsmanager'.")
  if (region !== expect.region) throw new AwsFault('InvalidSignatureException', `Credential should be scoped to a valid region, not '${region}'.`)
  const amzDate = headers['x-amz-date']
  if (typeof amzDate !== 'string' || !amzDate.startsWith(date)) {
    throw new AwsFault('IncompleteSignatureException', 'Authorization header requires existence of either a \'X-Amz-Date\' or a \'Date\' header.')
  }
  if (!expect.credentials) return accessKeyId
  const known = expect.credentials.find((c) => c.accessKeyId === accessKeyId)
  if (!known) throw new AwsFault('UnrecognizedClientException', 'The security token included in the request is invalid.')

  const names = signedHeaders.split(';')
  const canonicalHeaders = names.map((name) => `${name}:${headerValue(headers[name])}\n`).join('')
  const [path, query = ''] = url.split('?')
  const canonicalRequest = [method, path, canonicalQuery(query), canonicalHeaders, signedHeaders, sha256(body)].join('\n')
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope.slice(1).join('/'), sha256(canonicalRequest)].join('\n')
  const key = hmac(hmac(hmac(hmac(`AWS4${known.secretAccessKey}`, date), region), service), 'aws4_request')
  if (hmac(key, stringToSign).toString('hex') !== signature) {
    throw new AwsFault(
      'InvalidSignatureException',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    )
  }
  return accessKeyId
}

function headerValue(value: string | string[] | undefined): string {
  const text = Array.isArray(value) ? value.join(',') : (value ?? '')
  return text.trim().replace(/\s+/g, ' ')
}

function canonicalQuery(query: string): string {
  if (!query) return ''
  return query
    .split('&')
    .map((pair) => pair.split('='))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v = '']) => `${k}=${v}`)
    .join('&')
}
