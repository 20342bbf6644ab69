import {ExitCode} from '../exit-codes.js'

export interface RotorErrorOptions {
  /** Store name from the config, when the error comes from one store. */
  store?: string
  /** `store:path` or a secret name: what the error is about. */
  ref?: string
  /** True when the same call may succeed if tried again later. */
  retryable?: boolean
  /** One sentence telling the user what to do about it. */
  hint?: string
  exitCode?: ExitCode
  cause?: unknown
}

/**
 * Base of every error rotor raises on purpose. Messages must never contain a secret value:
 * providers build them from names, paths and version ids only.
 */
export class RotorError extends Error {
  readonly code: string = 'ROTOR_ERROR'
  readonly store?: string
  readonly ref?: string
  readonly retryable: boolean
  readonly hint?: string
  readonly exitCode: ExitCode

  constructor(message: string, options: RotorErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : {cause: options.cause})
    this.name = new.target.name
    this.store = options.store
    this.ref = options.ref
    this.retryable = options.retryable ?? false
    this.hint = options.hint
    this.exitCode = options.exitCode ?? ExitCode.ERROR
  }

  toJSON(): Record<string, unknown> {
    return {
      name: this.name,
      code: this.code,
      message: this.message,
      store: this.store,
      ref: this.ref,
      retryable: this.retryable,
      hint: this.hint,
      exitCode: this.exitCode,
    }
  }
}
