/**
 * Durations in rotor.yaml: `30d`, `24h`, `90m`, `45s`, `2w`, `1h30m` (units largest first, each at
 * most once, optionally separated by spaces), or ISO 8601 such as `PT1H` and `P30D`. Months and
 * years are refused: they have no fixed length.
 */
const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR
const WEEK = 7 * DAY

/** About a century; anything longer is a typo, and it keeps the arithmetic exact. */
export const MAX_DURATION_MS = 36_500 * DAY

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['w', WEEK],
  ['d', DAY],
  ['h', HOUR],
  ['m', MINUTE],
  ['s', SECOND],
  ['ms', 1],
]

const SHORT = /^(?:(\d+)w)? *(?:(\d+)d)? *(?:(\d+)h)? *(?:(\d+)m)? *(?:(\d+)s)? *(?:(\d+)ms)?$/
const ISO = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/

const EXPECTED = 'expected a duration like 24h or 30d'

/** Milliseconds in `text`; throws an Error whose message says what was expected. */
export function parseDuration(text: string): number {
  const input = text.trim()
  const got = `got ${JSON.stringify(text)}`
  if (input === '') throw new Error(`${EXPECTED}, got an empty string`)
  if (input.startsWith('-')) throw new Error(`${EXPECTED}, ${got}: a duration cannot be negative`)
  if (/^\d+$/.test(input)) {
    throw new Error(`${EXPECTED}, ${got}: add a unit (s, m, h, d or w), e.g. ${input}h`)
  }
  if (/\d[.,]\d/.test(input)) throw new Error(`${EXPECTED}, ${got}: use whole numbers, e.g. 1h30m instead of 1.5h`)
  if (/^\d+ *(?:mo|months?|y|years?)$/i.test(input)) {
    throw new Error(`${EXPECTED}, ${got}: months and years have no fixed length; use days, e.g. 30d or 365d`)
  }

  const short = SHORT.exec(input)
  const iso = short ? null : ISO.exec(input.toUpperCase())
  const match = short ?? (iso && input.length > 1 && !input.toUpperCase().endsWith('T') ? iso : null)
  if (!match) throw new Error(`${EXPECTED}, ${got}`)

  // Both patterns capture w, d, h, m, s in that order; only the short form has ms.
  let total = 0
  UNITS.forEach(([, size], index) => {
    const digits = match[index + 1]
    if (digits !== undefined) total += Number(digits) * size
  })
  if (!Number.isSafeInteger(total) || total > MAX_DURATION_MS) {
    throw new Error(`${EXPECTED}, ${got}: longer than the maximum of ${formatDuration(MAX_DURATION_MS)}`)
  }
  if (total === 0) throw new Error(`${EXPECTED}, ${got}: a duration must be longer than zero`)
  return total
}

/** `93784000` -> `1d 2h 3m 4s`; weeks are shown as days, which reads better next to `maxAge`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms)
  if (ms < 0) return `-${formatDuration(-ms)}`
  if (ms === 0) return '0s'
  const parts: string[] = []
  let rest = Math.round(ms)
  for (const [unit, size] of UNITS) {
    if (unit === 'w') continue
    const count = Math.floor(rest / size)
    if (count > 0) parts.push(`${count}${unit}`)
    rest -= count * size
  }
  return parts.join(' ')
}
