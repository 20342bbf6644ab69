import {RotorError, type RotorErrorOptions} from '../errors/rotor-error.js'

/** The audit log cannot be written: a rejected entry, or a log whose last line is damaged. */
export class AuditError extends RotorError {
  override readonly code = 'AUDIT'
  constructor(message: string, options: RotorErrorOptions = {}) {
    super(message, options)
  }
}

export const isAuditError = (error: unknown): error is AuditError => error instanceof AuditError
