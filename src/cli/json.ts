/**
 * The JSON contract: every `--json` document, a command's result or an error, is one object on
 * stdout with `schemaVersion` and `warnings`. Each command declares its result type
 * (`BaseCommand<typeof X, XResult>`); `npm run schemas` (scripts/schemas.js) writes the JSON
 * Schema of each command's document under docs/json/ from these types. Kept free of runtime
 * imports: the command-not-found hook uses it too.
 */
import type {ConfigProblem} from '../errors/kinds.js'

/**
 * The version of the JSON documents' shape, the same for every command. It goes up by one when a
 * change could break a consumer: a field removed or renamed, a type or a meaning changed, a value
 * an enum had no longer produced. Adding a field or an enum value does not bump it: consumers
 * ignore what they do not know. See docs/decisions.md ("A JSON contract").
 */
export const SCHEMA_VERSION = 1

/** What every document carries besides the command's own result. */
export interface JsonEnvelope {
  /** The shape's version (see SCHEMA_VERSION). */
  schemaVersion: typeof SCHEMA_VERSION
  /** Every warning and note the command printed on stderr, redacted. */
  warnings: string[]
}

/** A command's `--json` document on success (and on a failure it reports as a result, e.g. exit 3). */
export type JsonDocument<Result> = JsonEnvelope & Result

/** The error of a command that failed, as printed under --json (src/errors/format.ts). */
export interface JsonError {
  /** The error's class: UsageError, ConfigError, LockedError, ... (Error for one rotor did not raise on purpose). */
  name: string
  /** A stable code to branch on (USAGE, CONFIG_INVALID, LOCKED, INTERNAL, ...). */
  code: string
  /** What went wrong, redacted. */
  message: string
  /** The store (from the config) the error came from. */
  store?: string
  /** `store:path` or the secret the error is about. */
  ref?: string
  /** True when the same call may succeed if tried again later. */
  retryable?: boolean
  /** One sentence telling what to do about it. */
  hint?: string
  /** The process's exit code (the table in `rotor --help`). */
  exitCode: number
  /** CONFIG_INVALID: every problem in rotor.yaml, with file, line, column and key. */
  problems?: ConfigProblem[]
  /** FILE_SYSTEM: the file or folder that could not be read or written. */
  path?: string
  /** FILE_SYSTEM: Node's error code (ENOENT, EACCES, ...). */
  errno?: string
}

/** A command's `--json` document when it failed: `{schemaVersion, error, warnings}`. */
export type ErrorDocument = JsonEnvelope & {error: JsonError}

/** Success: the result plus the envelope; a result that is not an object is left as it is. */
export function jsonDocument(result: unknown, warnings: string[]): unknown {
  if (result === null || typeof result !== 'object' || Array.isArray(result)) return result
  return {schemaVersion: SCHEMA_VERSION, ...result, warnings}
}

export function errorDocument(error: Record<string, unknown>, warnings: string[]): Record<string, unknown> {
  return {schemaVersion: SCHEMA_VERSION, error, warnings}
}
