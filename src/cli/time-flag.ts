import {parseDuration} from '../config/duration.js'
import {UsageError} from '../errors/index.js'

/**
 * A moment given on the command line: ISO 8601 (`2026-12-01T03:00:00Z`), or relative to `now`
 * with a sign and a duration as rotor.yaml writes them (`+7d`, `-1h`, `+1h30m`).
 */
export function parseTimeFlag(flag: string, text: string, now: Date): Date {
  const input = text.trim()
  const relative = /^([+-])\s*(.+)$/.exec(input)
  if (relative) {
    let ms: number
    try {
      ms = parseDuration(relative[2])
    } catch (error) {
      throw new UsageError(`--${flag}: "${text}" is not a relative time: ${(error as Error).message}`, {
        hint: 'e.g. +7d (in a week) or -1h (an hour ago)',
      })
    }
    return new Date(now.getTime() + (relative[1] === '-' ? -ms : ms))
  }
  const at = new Date(input)
  if (input === '' || Number.isNaN(at.getTime())) {
    throw new UsageError(`--${flag}: "${text}" is not a time; expected ISO 8601 like 2026-12-01T03:00:00Z, or +7d / -1h from now`)
  }
  return at
}
