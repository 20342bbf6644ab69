/**
 * The one error path of bin/run.js (an error no command caught, an unhandled rejection): the
 * error as rotor's formatter prints it, redacted. A separate bundle entry (dist/cli/fail.js), so
 * start-up loads none of it.
 */
import {errorText} from '../errors/format.js'
import {redact} from '../redact/index.js'

export function failText(error: unknown): string {
  return redact(errorText(error as Error))
}
