/**
 * The file store's envelope: AES-256-GCM over the JSON of the store, with a fresh 96-bit IV per
 * write and a fixed associated-data string so an envelope from another format cannot be
 * substituted. The key never leaves this module's callers.
 */
import {createCipheriv, createDecipheriv, randomBytes} from 'node:crypto'

const FORMAT = 'rotor-file-store'
const VERSION = 1
const AAD = Buffer.from(`${FORMAT}:v${VERSION}`)

interface Envelope {
  format: typeof FORMAT
  version: typeof VERSION
  cipher: 'aes-256-gcm'
  iv: string
  tag: string
  data: string
}

export function seal(plaintext: string, key: Buffer): string {
  const iv = randomBytes(12)
  const cipher = createCipheriv('aes-256-gcm', key, iv)
  cipher.setAAD(AAD)
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
  const envelope: Envelope = {
    format: FORMAT,
    version: VERSION,
    cipher: 'aes-256-gcm',
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    data: data.toString('base64'),
  }
  return `${JSON.stringify(envelope)}\n`
}

/** Throws `Error('bad-format')` or `Error('bad-key')`; the caller words the user's message. */
export function open(sealed: string, key: Buffer): string {
  let envelope: Envelope
  try {
    envelope = JSON.parse(sealed) as Envelope
  } catch {
    throw new Error('bad-format')
  }
  if (envelope.format !== FORMAT || envelope.version !== VERSION) throw new Error('bad-format')
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'))
    decipher.setAAD(AAD)
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'))
    return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString('utf8')
  } catch {
    throw new Error('bad-key')
  }
}
