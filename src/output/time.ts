const UNITS: Array<[string, number]> = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
]

/** Two largest units, e.g. "2d 5h", "3m 10s": precise enough for a table, short enough to scan. */
export function humanDuration(ms: number): string {
  const abs = Math.abs(ms)
  const i = UNITS.findIndex(([, size]) => abs >= size)
  if (i < 0) return '0s'
  const [unit, size] = UNITS[i]
  const whole = Math.floor(abs / size)
  const next = UNITS[i + 1]
  const rest = next ? Math.floor((abs - whole * size) / next[1]) : 0
  return rest > 0 ? `${whole}${unit} ${rest}${next[0]}` : `${whole}${unit}`
}

/** "in 3d 4h" / "2h ago" relative to now; "-" when unknown. */
export function relative(when: Date | string | undefined, now: Date): string {
  if (!when) return '-'
  const ms = new Date(when).getTime() - now.getTime()
  if (Math.abs(ms) < 1000) return 'now'
  return ms > 0 ? `in ${humanDuration(ms)}` : `${humanDuration(ms)} ago`
}

export function age(since: Date | string | undefined, now: Date): string {
  if (!since) return '-'
  return humanDuration(now.getTime() - new Date(since).getTime())
}
