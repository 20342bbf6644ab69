/**
 * A validated config, kept on disk so that the next command skips the YAML parser, zod and the
 * cron checks (together ~200 ms of a ~500 ms `rotor status`). An entry is used only when its key
 * matches: the config's exact text, its absolute path, and the build of rotor that validated it
 * (this module's mtime changes with every build).
 *
 * The cache lives next to the config (`.rotor/cache`), where more people may write than may
 * change what rotor runs. So each entry carries an HMAC-SHA-256 keyed by a per-user key kept
 * apart from it (`<rotorUserDir()>/cache-keys/config.key`, 0600, created by the first write): an entry
 * someone edited, or wrote from scratch, fails the check and the config is parsed again.
 * Belt and braces: a config with a `verify.command` (a program rotor runs with a new value) is
 * never cached at all, so the program always comes from the file's own text.
 *
 * A config that uses `${ENV}` interpolation is never cached: the result would depend on the
 * environment and could hold what the variables carry. Writing the cache is best-effort; a
 * read-only directory, or no user directory for the key, just means no cache.
 */
import {createHash, createHmac, randomBytes, timingSafeEqual} from 'node:crypto'
import {mkdir, open, readFile, stat} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {writeFileAtomic} from '../util/atomic-write.js'
import {rotorUserDir} from '../util/user-dir.js'
import type {RotorConfig} from './types.js'

const FORMAT = 3

/**
 * An entry is one line of JSON, this header, then the validated config as JSON text to the end of
 * the file: the config is parsed once, straight from the file's bytes (v2 held it as a string
 * inside the entry's JSON, so a 100k-secret fleet's 40 MB were unescaped, then parsed again).
 */
interface EntryHeader {
  v: typeof FORMAT
  key: string
  /** Hex HMAC-SHA-256 of `key` and the config's bytes under the user's cache key. */
  mac: string
}

let buildStamp: Promise<string> | undefined
function stamp(): Promise<string> {
  buildStamp ??= stat(fileURLToPath(import.meta.url)).then(
    (info) => `${info.mtimeMs}:${info.size}`,
    () => 'unknown',
  )
  return buildStamp
}

export function cacheFile(configFile: string): string {
  const absolute = resolve(configFile)
  const id = createHash('sha256').update(absolute).digest('hex').slice(0, 16)
  return join(dirname(absolute), '.rotor', 'cache', `config-${id}.json`)
}

/** The per-user key that authenticates cache entries; never inside a project's folder. */
export function cacheKeyFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(rotorUserDir(env), 'cache-keys', 'config.key')
}

async function keyFor(configFile: string, text: string): Promise<string> {
  return createHash('sha256')
    .update(`${await stamp()}\u0000${resolve(configFile)}\u0000${text}`)
    .digest('hex')
}

const macOf = (key: Buffer, entryKey: string, config: Buffer) =>
  createHmac('sha256', key).update(`rotor config cache v${FORMAT}\u0000${entryKey}\u0000`).update(config).digest()

const interpolates = (text: string) => text.includes('${')

/** A config that names a program to run: never cached, so the program is always read from the file. */
export const runsCommands = (config: Pick<RotorConfig, 'secrets'>): boolean =>
  config.secrets.some((secret) => secret.verify !== undefined && 'command' in secret.verify)

async function readKey(env: NodeJS.ProcessEnv): Promise<Buffer | undefined> {
  try {
    const key = Buffer.from((await readFile(cacheKeyFile(env), 'utf8')).trim(), 'base64')
    return key.length >= 32 ? key : undefined
  } catch {
    return undefined
  }
}

/** The key, created (32 random bytes, base64, mode 0600) when there is none yet. */
async function readOrCreateKey(env: NodeJS.ProcessEnv): Promise<Buffer | undefined> {
  const existing = await readKey(env)
  if (existing) return existing
  const file = cacheKeyFile(env)
  try {
    await mkdir(dirname(file), {recursive: true, mode: 0o700})
    const handle = await open(file, 'wx', 0o600)
    const key = randomBytes(32)
    try {
      await handle.writeFile(`${key.toString('base64')}\n`)
      await handle.sync()
    } finally {
      await handle.close()
    }
    return key
  } catch {
    // Another process created it first (EEXIST), or the directory is not writable.
    return readKey(env)
  }
}

export async function readCachedConfig(configFile: string, text: string, env: NodeJS.ProcessEnv = process.env): Promise<RotorConfig | undefined> {
  if (interpolates(text)) return undefined
  try {
    const bytes = await readFile(cacheFile(configFile))
    const newline = bytes.indexOf(0x0a)
    if (newline < 0) return undefined
    const entry = JSON.parse(bytes.toString('utf8', 0, newline)) as Partial<EntryHeader>
    if (entry.v !== FORMAT || typeof entry.key !== 'string' || typeof entry.mac !== 'string') return undefined
    if (entry.key !== (await keyFor(configFile, text))) return undefined
    const key = await readKey(env)
    if (!key) return undefined
    const json = bytes.subarray(newline + 1)
    const expected = macOf(key, entry.key, json)
    const given = Buffer.from(entry.mac, 'hex')
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    const config = JSON.parse(json.toString('utf8')) as RotorConfig
    return runsCommands(config) ? undefined : config
  } catch {
    return undefined
  }
}

export async function writeCachedConfig(configFile: string, text: string, config: RotorConfig, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (interpolates(text) || runsCommands(config)) return
  const key = await readOrCreateKey(env)
  if (!key) return
  const entryKey = await keyFor(configFile, text)
  const json = Buffer.from(JSON.stringify(config), 'utf8')
  const header: EntryHeader = {v: FORMAT, key: entryKey, mac: macOf(key, entryKey, json).toString('hex')}
  await writeFileAtomic(cacheFile(configFile), Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), json])).catch(() => {})
}
