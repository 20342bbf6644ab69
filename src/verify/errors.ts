import {RotorError, type RotorErrorOptions} from '../errors/index.js'

/** The new value did not pass its `verify` check; nothing was promoted. */
export class VerifyError extends RotorError {
  override readonly code = 'VERIFY_FAILED'
  constructor(message: string, options: RotorErrorOptions = {}) {
    // Retryable so the retry helper tries again up to `retries` times; the engine then stops.
    super(message, {retryable: true, hint: 'the staged value was rolled back; fix the check or the service, then run again', ...options})
  }
}
