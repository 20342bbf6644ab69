/**
 * The audit key: the HMAC-SHA-256 key of the log's chain, kept apart from the log so that someone
 * who can write the log's folder cannot write entries that verify. Where it comes from, first wins:
 * 1. `ROTOR_AUDIT_KEY`: the key itself (at least 32 characters), e.g. from a CI secret;
 * 2. `ROTOR_AUDIT_KEY_FILE`, else the `keyFile` option (`audit.keyFile` in rotor.yaml): a file holding it;
 * 3. `<rotorUserDir()>/audit-keys/<first 16 hex of SHA-256 of the log's absolute path>.key`, created
 *    (mode 0600, 32 random bytes, base64) the first time a log is written, which is said once on stderr.
 *    A log moved to another path (a project folder moved or renamed) finds its key among the other
 *    key files there (the one its last entry verifies under), and the key is copied to the new name.
 */
import {createHash, createHmac, randomBytes} from 'node:crypto'
import {mkdir, readFile} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {findMovedKey} from '../util/moved-key.js'
import {createFileExclusive, sweepStrayTemps} from '../util/atomic-write.js'
import {rotorUserDir} from '../util/user-dir.js'
import {AuditError} from './errors.js'

export const MIN_AUDIT_KEY_LENGTH = 32

export interface AuditKey {
  key: Buffer
  /** `ROTOR_AUDIT_KEY` or the key file's path: named in messages, never the key. */
  source: string
}

export interface KeyOptions {
  env?: NodeJS.ProcessEnv
  keyFile?: string
}

/** A short public name of a key (no way back to the key): which log an anchor belongs to. */
export const keyIdOf = (key: Uint8Array): string => createHmac('sha256', key).update('rotor audit key id').digest('hex').slice(0, 12)

/** The default key file of the log at `logPath`. */
export function defaultKeyFile(logPath: string, env: NodeJS.ProcessEnv = process.env): string {
  const id = createHash('sha256').update(resolve(logPath)).digest('hex').slice(0, 16)
  return join(rotorUserDir(env), 'audit-keys', `${id}.key`)
}

/** Where the key of `logPath` comes from (for messages and `audit verify`). */
export function keySource(logPath: string, opts: KeyOptions = {}): string {
  const env = opts.env ?? process.env
  if (env.ROTOR_AUDIT_KEY) return 'ROTOR_AUDIT_KEY'
  return env.ROTOR_AUDIT_KEY_FILE ?? opts.keyFile ?? defaultKeyFile(logPath, env)
}

/** The key, or undefined when its file does not exist. */
export async function readAuditKey(logPath: string, opts: KeyOptions = {}): Promise<AuditKey | undefined> {
  const env = opts.env ?? process.env
  if (env.ROTOR_AUDIT_KEY) return {key: checkKey(Buffer.from(env.ROTOR_AUDIT_KEY, 'utf8'), 'ROTOR_AUDIT_KEY'), source: 'ROTOR_AUDIT_KEY'}
  const file = keySource(logPath, opts)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return undefined
    throw new AuditError(`cannot read the audit key ${file}: ${code ?? (error as Error).message}`, {
      hint: 'the key must be readable by the user running rotor (mode 0600)',
    })
  }
  return {key: checkKey(Buffer.from(text.trim(), 'utf8'), file), source: file}
}

/** Creates the key file (0600) for `logPath` unless one exists; returns the key and whether it was created. */
export function createAuditKey(logPath: string, opts: KeyOptions = {}): Promise<AuditKey & {created: boolean}> {
  return writeKeyFile(logPath, Buffer.from(randomBytes(32).toString('base64'), 'utf8'), opts)
}

/**
 * The key of a log that was moved (with its project, or its folder renamed): the default key
 * file is named after the log's absolute path, so the new path has none. Among this user's other
 * default key files, the one under which `verifies` holds (the HMAC of the log's last entry). Only
 * where the default key file is used (no ROTOR_AUDIT_KEY, ROTOR_AUDIT_KEY_FILE or keyFile).
 */
export async function findMovedAuditKey(logPath: string, verifies: (key: Buffer) => boolean, opts: KeyOptions = {}): Promise<AuditKey | undefined> {
  const env = opts.env ?? process.env
  if (env.ROTOR_AUDIT_KEY || env.ROTOR_AUDIT_KEY_FILE || opts.keyFile) return undefined
  const own = defaultKeyFile(logPath, env)
  const found = await findMovedKey({
    dir: dirname(own),
    own,
    accept: (name) => name.endsWith('.key'),
    read: async (file) => {
      const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'utf8')
      return key.length >= MIN_AUDIT_KEY_LENGTH ? key : undefined
    },
    opens: verifies,
  })
  return found && {key: found.key, source: found.file}
}

/** Copies a moved log's key (findMovedAuditKey) to its new path's key file; the old file stays (its log may be a copy). */
export function adoptAuditKey(logPath: string, found: AuditKey, opts: KeyOptions = {}): Promise<AuditKey & {created: boolean}> {
  return writeKeyFile(logPath, found.key, opts)
}

/** Writes `key` as the key file of `logPath` (0600, fsynced) unless one exists, which is then read. */
async function writeKeyFile(logPath: string, key: Buffer, opts: KeyOptions): Promise<AuditKey & {created: boolean}> {
  const file = keySource(logPath, opts)
  await mkdir(dirname(file), {recursive: true, mode: 0o700})
  let created: boolean
  try {
    // Whole or absent after a kill: an empty key file would make the log unverifiable.
    created = await createFileExclusive(file, `${key.toString('utf8')}\n`)
  } catch (error) {
    throw new AuditError(`cannot create the audit key ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
  if (!created) return {...(await readAuditKey(logPath, opts))!, created: false}
  await sweepStrayTemps(file)
  return {key, source: file, created: true}
}

function checkKey(key: Buffer, source: string): Buffer {
  if (key.length < MIN_AUDIT_KEY_LENGTH) {
    throw new AuditError(`the audit key from ${source} is shorter than ${MIN_AUDIT_KEY_LENGTH} characters`, {
      hint: 'use at least 32 random bytes, e.g. `openssl rand -base64 32`',
    })
  }
  return key
}
