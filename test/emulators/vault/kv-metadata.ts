/** custom_metadata validation and Go-style durations, as the KV v2 plugin does them. */
const CM_PREFIX = 'custom_metadata validation failed'

export function parseCustomMetadata(raw: unknown, filterNulls: boolean): Record<string, string> | string {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return `${CM_PREFIX}: expected a map`
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(raw)) {
    if (v === null && filterNulls) continue
    if (v !== null && typeof v === 'object') return `${CM_PREFIX}: value for key "${k}" is not a string`
    out[k] = v === null ? '' : String(v)
  }
  return out
}

// Go's strutil.Printable: no control characters.
const printable = (s: string) => !/[\p{Cc}\p{Cs}]/u.test(s)

export function validateCustomMetadata(custom: Record<string, string>): string | undefined {
  const entries = Object.entries(custom)
  if (entries.length > 64) return `${CM_PREFIX}: payload must contain at most 64 keys, provided ${entries.length}`
  const problems: string[] = []
  for (const [key, value] of entries) {
    const keyLen = Buffer.byteLength(key)
    const valueLen = Buffer.byteLength(value)
    if (keyLen === 0 || keyLen > 128) problems.push(`${CM_PREFIX}: length of key "${key}" is ${keyLen} but must be 0 < len(key) <= 128`)
    if (valueLen === 0 || valueLen > 512) {
      problems.push(`${CM_PREFIX}: length of value for key "${key}" is ${valueLen} but must be 0 < len(value) <= 512`)
    }
    if (!printable(key)) problems.push(`${CM_PREFIX}: key "${key}" contains unprintable characters`)
    if (!printable(value)) problems.push(`${CM_PREFIX}: value for key "${key}" contains unprintable characters`)
  }
  if (problems.length === 0) return undefined
  return `${problems.length} error${problems.length === 1 ? '' : 's'} occurred:\n${problems.map((p) => `\t* ${p}`).join('\n')}\n\n`
}

export function parseDuration(raw: unknown): number {
  if (typeof raw === 'number') return raw
  const text = String(raw)
  if (/^\d+$/.test(text)) return Number(text)
  let seconds = 0
  for (const [, amount, unit] of text.matchAll(/(\d+)([hms])/g)) seconds += Number(amount) * {h: 3600, m: 60, s: 1}[unit as 'h']
  return seconds
}

/** Go's time.Duration.String() for whole seconds: 0s, 45s, 1m30s, 1h0m0s. */
export function goDuration(seconds: number): string {
  if (seconds === 0) return '0s'
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  if (h > 0) return `${h}h${m}m${s}s`
  if (m > 0) return `${m}m${s}s`
  return `${s}s`
}
