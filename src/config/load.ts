/**
 * Finding and loading rotor.yaml. This module is on every command's start-up path, so it stays
 * light: the YAML parser, zod and the checks (src/config/parse.ts) load only when the validated
 * result is not already in the cache (src/config/cache.ts).
 */
import {readFile} from 'node:fs/promises'
import {ConfigError, fromFsError} from '../errors/index.js'
import {readCachedConfig, writeCachedConfig} from './cache.js'
import type {RotorConfig} from './types.js'

export const DEFAULT_CONFIG_FILE = 'rotor.yaml'
export const CONFIG_ENV = 'ROTOR_CONFIG'
/** Lets a config use the `memory` store type, which keeps nothing after the process: for tests. */
export const ALLOW_MEMORY_ENV = 'ROTOR_ALLOW_MEMORY'

/**
 * The config file to use: the `--config` flag, else $ROTOR_CONFIG, else rotor.yaml in the working
 * directory. Returned as given (not made absolute) so messages show the path the user typed.
 */
export function resolveConfigPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env[CONFIG_ENV] || DEFAULT_CONFIG_FILE
}

export interface LoadOptions {
  /** Use and refresh the validated-config cache (default true). */
  cache?: boolean
}

/** Reads and validates a config file; every problem is reported in one ConfigError. */
export async function loadConfig(file: string, env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Promise<RotorConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const message =
      code === 'ENOENT'
        ? `config file not found; run "rotor init" to create one, or pass --config / ${CONFIG_ENV}`
        : `cannot read the config file: ${translatedReason(error)}`
    throw new ConfigError([{file, line: 1, column: 1, key: '', message}], {cause: error, ...(code === 'ENOENT' ? {} : {hint: (fromFsError(error, 'config file', file) as {hint?: string}).hint})})
  }
  const useCache = options.cache ?? true
  if (useCache) {
    const cached = await readCachedConfig(file, text, env)
    if (cached) return refuseTestOnlyStores(cached, text, file, env)
  }
  const {parseConfig} = await import('./parse.js')
  const config = parseConfig(text, file, env)
  if (useCache) await writeCachedConfig(file, text, config, env)
  return refuseTestOnlyStores(config, text, file, env)
}

/**
 * A `memory` store forgets every value when the command ends: in a user's config, `apply` would
 * "rotate" into nothing and report success. The file parses (tests use it); the CLI refuses it.
 */
function refuseTestOnlyStores(config: RotorConfig, text: string, file: string, env: NodeJS.ProcessEnv): RotorConfig {
  if (env[ALLOW_MEMORY_ENV] === '1') return config
  const memory = Object.values(config.stores).filter((store) => store.type === 'memory')
  const memoryIssuers = Object.values(config.issuers ?? {}).filter((issuer) => issuer.type === 'memory')
  if (memory.length === 0 && memoryIssuers.length === 0) return config
  const problems = memory.map((store) => {
    const {line, column} = positionOf(text, /type:\s*["']?memory\b/g, memory.indexOf(store))
    const message = `the memory store type is for tests only: it keeps nothing after the command ends; use type: file (or set ${ALLOW_MEMORY_ENV}=1 in tests)`
    return {file, line, column, key: `stores.${store.name}.type`, message}
  })
  for (const issuer of memoryIssuers) {
    // Stores come first in the file's order of `type: memory` lines (stores above issuers as written by init).
    const {line, column} = positionOf(text, /type:\s*["']?memory\b/g, memory.length + memoryIssuers.indexOf(issuer))
    const message = `the memory issuer type is for tests only: no real system accepts its credentials; use a real issuer type (or set ${ALLOW_MEMORY_ENV}=1 in tests)`
    problems.push({file, line, column, key: `issuers.${issuer.name}.type`, message})
  }
  throw new ConfigError(problems)
}

/** Line and column (1-based) of the n-th match of `pattern` in `text`; 1:1 when not found. */
function positionOf(text: string, pattern: RegExp, nth: number): {line: number; column: number} {
  const match = [...text.matchAll(pattern)][nth]
  if (match?.index === undefined) return {line: 1, column: 1}
  const before = text.slice(0, match.index).split('\n')
  return {line: before.length, column: before.at(-1)!.length + 1}
}

/** `permission denied`, not Node's `EACCES: permission denied, open '/x'` (see src/errors/fs.ts). */
function translatedReason(error: unknown): string {
  const translated = fromFsError(error, 'config file')
  return translated instanceof Error && translated !== error ? translated.message.replace(/^.*: /, '') : (error as Error).message
}
