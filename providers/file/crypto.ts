/**
 * The file store's ciphers. Every seal is AES-256-GCM with a fresh 96-bit IV and a full 16-byte
 * tag; opening refuses any other tag length (`authTagLength`), so a forged envelope with a
 * truncated tag (which GCM would otherwise check only in part) is rejected.
 *
 * - v1 (`seal`/`open`): the whole store as one JSON envelope, kept to read and migrate v1 files.
 * - v2 (`sealBlob`/`openBlob`): one value or record in the SQLite store, `iv || tag || data`, its
 *   associated data naming what it is (store identity, path, version id) so a blob cannot be
 *   moved to another row or store.
 */
import {createCipheriv, createDecipheriv, hkdfSync, randomBytes} from 'node:crypto'

const FORMAT = 'rotor-file-store'
const VERSION = 1
const AAD = Buffer.from(`${FORMAT}:v${VERSION}`)
const IV_BYTES = 12
export const TAG_BYTES = 16

interface Envelope {
  format: typeof FORMAT
  version: typeof VERSION
  cipher: 'aes-256-gcm'
  iv: string
  tag: string
  data: string
}

export function seal(plaintext: string, key: Buffer): string {
  const iv = randomBytes(IV_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, iv, {authTagLength: TAG_BYTES})
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
  if (envelope?.format !== FORMAT || envelope.version !== VERSION) throw new Error('bad-format')
  try {
    const tag = Buffer.from(envelope.tag, 'base64')
    if (tag.length !== TAG_BYTES) throw new Error('short tag')
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.iv, 'base64'), {authTagLength: TAG_BYTES})
    decipher.setAAD(AAD)
    decipher.setAuthTag(tag)
    return Buffer.concat([decipher.update(Buffer.from(envelope.data, 'base64')), decipher.final()]).toString('utf8')
  } catch {
    throw new Error('bad-key')
  }
}

/** The two keys a v2 store derives from its 32-byte key, bound to the store's identity. */
export interface StoreKeys {
  /** The key as configured (to tell keys apart; never used to seal directly). */
  key: Buffer
  /** AES-256-GCM key of every blob. */
  seal: Buffer
  /** HMAC-SHA-256 key of the row ids (keyed hashes of the paths). */
  index: Buffer
}

export function deriveKeys(key: Buffer, storeId: Buffer): StoreKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', key, storeId, info, 32))
  return {key, seal: derive('rotor-store-v2 seal'), index: derive('rotor-store-v2 index')}
}

/** IVs drawn from the CSPRNG at once: one randomBytes call per IV_POOL IVs. */
const IV_POOL = 256
let ivPool = Buffer.alloc(0)
let ivAt = 0

/**
 * A fresh random IV. randomBytes costs ~10 us a call whatever the size (a job object, async
 * hooks), and a run at scale seals several blobs per secret: 100,000 secrets spent ~10 s there.
 * IVs come from one pool of CSPRNG bytes instead, each 12-byte slice handed out once; the pool is
 * never written again, a new one is drawn when it is used up.
 */
function freshIv(): Buffer {
  if (ivAt + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_BYTES * IV_POOL)
    ivAt = 0
  }
  const iv = ivPool.subarray(ivAt, ivAt + IV_BYTES)
  ivAt += IV_BYTES
  return iv
}

/** `iv || tag || ciphertext` of `plaintext` under `key`, authenticating `aad`. */
export function sealBlob(plaintext: Buffer, key: Buffer, aad: Buffer): Buffer {
  const iv = freshIv()
  const cipher = createCipheriv('aes-256-gcm', key, iv, {authTagLength: TAG_BYTES})
  cipher.setAAD(aad)
  const data = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return Buffer.concat([iv, cipher.getAuthTag(), data])
}

/** The plaintext of a blob from sealBlob, or undefined when the key or the associated data do not match. */
export function openBlob(blob: Buffer, key: Buffer, aad: Buffer): Buffer | undefined {
  if (blob.length < IV_BYTES + TAG_BYTES) return undefined
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, IV_BYTES), {authTagLength: TAG_BYTES})
    decipher.setAAD(aad)
    decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES))
    const plain = decipher.update(blob.subarray(IV_BYTES + TAG_BYTES))
    // final() checks the tag; GCM has nothing left to give then.
    const rest = decipher.final()
    return rest.length === 0 ? plain : Buffer.concat([plain, rest])
  } catch {
    return undefined
  }
}

/**
 * Pads JSON text with trailing spaces (JSON.parse ignores them) to a multiple of `block` bytes,
 * so a sealed blob's size tells only a size class, not the exact length of a value or name.
 */
export function padJson(text: string, block: number): Buffer {
  const bytes = Buffer.from(text, 'utf8')
  const padded = Math.ceil((bytes.length + 1) / block) * block
  return Buffer.concat([bytes, Buffer.alloc(padded - bytes.length, 0x20)])
}
