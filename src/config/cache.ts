/**
 * A validated config, kept on disk so that the next command skips the YAML parser, zod and the
 * cron checks (together ~200 ms of a ~500 ms `rotor status`). An entry is used only when its key
 * matches: the config's exact text, its absolute path, and the build of rotor that validated it
 * (this module's mtime changes with every build).
 *
 * A config that uses `${ENV}` interpolation is never cached: the result would depend on the
 * environment and could hold what the variables carry. Writing the cache is best-effort; a
 * read-only directory just means no cache.
 */
import {createHash} from 'node:crypto'
import {readFile, stat} from 'node:fs/promises'
import {dirname, join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {writeFileAtomic} from '../util/atomic-write.js'
import type {RotorConfig} from './types.js'

interface CacheEntry {
  key: string
  config: RotorConfig
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

async function keyFor(configFile: string, text: string): Promise<string> {
  return createHash('sha256')
    .update(`${await stamp()}\u0000${resolve(configFile)}\u0000${text}`)
    .digest('hex')
}

const interpolates = (text: string) => text.includes('${')

export async function readCachedConfig(configFile: string, text: string): Promise<RotorConfig | undefined> {
  if (interpolates(text)) return undefined
  try {
    const entry = JSON.parse(await readFile(cacheFile(configFile), 'utf8')) as CacheEntry
    return entry.key === (await keyFor(configFile, text)) ? entry.config : undefined
  } catch {
    return undefined
  }
}

export async function writeCachedConfig(configFile: string, text: string, config: RotorConfig): Promise<void> {
  if (interpolates(text)) return
  const entry: CacheEntry = {key: await keyFor(configFile, text), config}
  await writeFileAtomic(cacheFile(configFile), JSON.stringify(entry)).catch(() => {})
}
