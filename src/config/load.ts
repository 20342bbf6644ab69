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
    const cached = await readCachedConfig(file, text)
    if (cached) return cached
  }
  const {parseConfig} = await import('./parse.js')
  const config = parseConfig(text, file, env)
  if (useCache) await writeCachedConfig(file, text, config)
  return config
}

/** `permission denied`, not Node's `EACCES: permission denied, open '/x'` (see src/errors/fs.ts). */
function translatedReason(error: unknown): string {
  const translated = fromFsError(error, 'config file')
  return translated instanceof Error && translated !== error ? translated.message.replace(/^.*: /, '') : (error as Error).message
}
