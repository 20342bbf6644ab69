import {ExitCode} from '../exit-codes.js'
import {RotorError, type RotorErrorOptions} from './rotor-error.js'

/** The secret, version or store path does not exist. */
export class NotFoundError extends RotorError {
  override readonly code = 'NOT_FOUND'
}

/** Credentials are missing, expired or lack a permission; `hint` names the permission. */
export class AuthError extends RotorError {
  override readonly code = 'AUTH'
}

/** The store asked us to slow down. Always retryable. */
export class ThrottledError extends RotorError {
  override readonly code = 'THROTTLED'
  readonly retryAfterMs?: number
  constructor(message: string, options: RotorErrorOptions & {retryAfterMs?: number} = {}) {
    super(message, {...options, retryable: true})
    this.retryAfterMs = options.retryAfterMs
  }
}

/** The store is down, sealed or returned a 5xx; retryable. */
export class UnavailableError extends RotorError {
  override readonly code = 'UNAVAILABLE'
  constructor(message: string, options: RotorErrorOptions = {}) {
    super(message, {retryable: true, ...options})
  }
}

/** A conditional write lost: another writer changed the secret between our read and write. */
export class ConflictError extends RotorError {
  override readonly code = 'CONFLICT'
}

/** The secret exists but carries no `managed-by: rotor` tag and was not adopted. */
export class NotOwnedError extends RotorError {
  override readonly code = 'NOT_OWNED'
}

/** Another process holds a lock or live lease. */
export class LockedError extends RotorError {
  override readonly code = 'LOCKED'
  constructor(message: string, options: RotorErrorOptions = {}) {
    super(message, {exitCode: ExitCode.LOCKED, ...options})
  }
}

/** The store refuses the request as invalid (size, quota, state); not retryable as is. */
export class InvalidRequestError extends RotorError {
  override readonly code = 'INVALID_REQUEST'
}

/** Bad flags or arguments. */
export class UsageError extends RotorError {
  override readonly code = 'USAGE'
  constructor(message: string, options: RotorErrorOptions = {}) {
    super(message, {exitCode: ExitCode.USAGE, ...options})
  }
}

export interface ConfigProblem {
  file: string
  line: number
  column: number
  /** Dotted key path, e.g. `secrets.payments.grace`. */
  key: string
  message: string
}

/** One or more problems in rotor.yaml, each with file, line, column and key. */
export class ConfigError extends RotorError {
  override readonly code = 'CONFIG_INVALID'
  readonly problems: ConfigProblem[]
  constructor(problems: ConfigProblem[], options: RotorErrorOptions = {}) {
    super(problems.map((p) => formatProblem(p)).join('\n'), {exitCode: ExitCode.CONFIG_INVALID, ...options})
    this.problems = problems
  }

  override toJSON(): Record<string, unknown> {
    return {...super.toJSON(), problems: this.problems}
  }
}

export function formatProblem(p: ConfigProblem): string {
  return `${p.file}:${p.line}:${p.column}: ${p.key ? `${p.key}: ` : ''}${p.message}`
}

/** SIGINT/SIGTERM arrived: no new store call starts; the next run finishes what was begun. */
export class InterruptedError extends RotorError {
  override readonly code = 'INTERRUPTED'
  readonly signal: 'SIGINT' | 'SIGTERM'
  constructor(signal: 'SIGINT' | 'SIGTERM', options: RotorErrorOptions = {}) {
    super(`interrupted by ${signal}`, {
      exitCode: signal === 'SIGTERM' ? ExitCode.TERMINATED : ExitCode.INTERRUPTED,
      hint: 'run the same command again: it finishes what this run started',
      ...options,
    })
    this.signal = signal
  }
}

/** The operator said no (or pressed Ctrl-C) at a confirmation prompt; nothing was changed. */
export class CancelledError extends RotorError {
  override readonly code = 'CANCELLED'
  constructor(message = 'Cancelled; nothing was changed.', options: RotorErrorOptions = {}) {
    super(message, {exitCode: ExitCode.INTERRUPTED, ...options})
  }
}
