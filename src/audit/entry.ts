import {createHash, createHmac} from 'node:crypto'
import {redact, redactUrlCredentials} from '../redact/index.js'
import type {AuditEntry, AuditInput, AuditVersionIds} from './types.js'
import {AuditError} from './errors.js'

/** `prev` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64)

/** No string in an entry may be longer than this; a longer one is more likely a value than a name. */
export const MAX_FIELD_LENGTH = 1024

const INPUT_KEYS: ReadonlySet<string> = new Set([
  'secret',
  'target',
  'action',
  'versionIds',
  'rotationId',
  'reason',
  'outcome',
  'error',
  'intent',
  'intentRunId',
])

/** Every key an entry may have, in the order it is written. */
export const ENTRY_KEYS = [
  'seq',
  'time',
  'user',
  'host',
  'pid',
  'runId',
  'secret',
  'target',
  'action',
  'versionIds',
  'rotationId',
  'reason',
  'outcome',
  'error',
  'intent',
  'intentRunId',
  'prev',
  'mac',
] as const

const ENTRY_KEY_SET: ReadonlySet<string> = new Set(ENTRY_KEYS)
const HASH_RE = /^[0-9a-f]{64}$/
export const MAC_SCHEME = 'hmac-sha256'
const MAC_RE = /^hmac-sha256:[0-9a-f]{64}$/
const OUTCOMES: ReadonlySet<unknown> = new Set(['intent', 'ok', 'failed'])

/** `mac` for an entry: the HMAC-SHA-256 under `key` of its line without `mac`. */
export function macFor(entry: AuditEntry, key: Uint8Array): string {
  const {mac: _ignored, ...rest} = entry
  return `${MAC_SCHEME}:${createHmac('sha256', key).update(serializeEntry(rest)).digest('hex')}`
}

export {redactUrlCredentials}

/** What every string in an entry passes before it is written: known values, key formats, URL credentials. */
export function scrub(text: string): string {
  return redact(text)
}

/** SHA-256 (hex) of one line's exact bytes, without its newline. */
export function hashLine(line: Uint8Array | string): string {
  return createHash('sha256').update(line).digest('hex')
}

/** The line for an entry (without newline): keys in ENTRY_KEYS order, absent optionals omitted. */
export function serializeEntry(entry: AuditEntry): string {
  const out: Record<string, unknown> = {}
  for (const key of ENTRY_KEYS) {
    const value = entry[key]
    if (value === undefined) continue
    out[key] = key === 'versionIds' ? orderVersionIds(value as AuditVersionIds) : value
  }
  return JSON.stringify(out)
}

function orderVersionIds(v: AuditVersionIds): AuditVersionIds {
  if (Array.isArray(v)) return [...v]
  const out: {from?: string; to?: string} = {}
  if (v.from !== undefined) out.from = v.from
  if (v.to !== undefined) out.to = v.to
  return out
}

/** An AuditInput after checking: `target` is always the `store:path` string. */
export type CleanInput = Omit<AuditInput, 'target'> & {target?: string}

/** Checks a caller's input at run time (it may come from untyped code) and returns a clean copy. */
export function normalizeInput(input: AuditInput): CleanInput {
  if (typeof input !== 'object' || input === null) throw new AuditError('audit entry must be an object')
  for (const key of Object.keys(input)) {
    if (!INPUT_KEYS.has(key)) {
      throw new AuditError(`audit entry has an unexpected field "${key}"; entries never carry secret values`)
    }
  }

  input = scrubInput(input)
  const out: CleanInput = {
    secret: requireString(input.secret, 'secret'),
    action: requireString(input.action, 'action'),
    outcome: input.outcome,
  }
  if (!OUTCOMES.has(input.outcome)) {
    throw new AuditError('audit entry field "outcome" must be "intent", "ok" or "failed"')
  }

  if (input.target !== undefined) {
    const t = input.target
    out.target =
      typeof t === 'object' && t !== null
        ? `${requireString(t.store, 'target.store')}:${requireString(t.path, 'target.path')}`
        : requireString(t, 'target')
    checkLength(out.target, 'target')
  }

  if (input.versionIds !== undefined) out.versionIds = checkVersionIds(input.versionIds)
  if (input.rotationId !== undefined) out.rotationId = requireString(input.rotationId, 'rotationId')
  if (input.reason !== undefined) out.reason = requireString(input.reason, 'reason')
  if (input.error !== undefined) out.error = requireString(input.error, 'error', true)
  if (input.intent !== undefined) {
    if (!Number.isSafeInteger(input.intent) || input.intent < 1) throw new AuditError('audit entry field "intent" must be a positive integer')
    out.intent = input.intent
  }
  if (input.intentRunId !== undefined) out.intentRunId = requireString(input.intentRunId, 'intentRunId')
  return out
}

/** A copy with every string (top level, target, versionIds) scrubbed; other types are left for the checks. */
function scrubInput(input: AuditInput): AuditInput {
  const s = <T>(v: T): T => (typeof v === 'string' ? (scrub(v) as T) : v)
  const out: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(input)) {
    if (Array.isArray(value)) out[key] = value.map(s)
    else if (typeof value === 'object' && value !== null) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, s(v)]))
    else out[key] = s(value)
  }
  return out as unknown as AuditInput
}

function checkVersionIds(v: unknown): AuditVersionIds {
  if (Array.isArray(v)) return v.map((id, i) => requireString(id, `versionIds[${i}]`))
  if (typeof v !== 'object' || v === null) {
    throw new AuditError('audit entry field "versionIds" must be an array of ids or {from?, to?}')
  }
  for (const key of Object.keys(v)) {
    if (key !== 'from' && key !== 'to') throw new AuditError(`audit entry has an unexpected field "versionIds.${key}"`)
  }
  const {from, to} = v as {from?: unknown; to?: unknown}
  const out: {from?: string; to?: string} = {}
  if (from !== undefined) out.from = requireString(from, 'versionIds.from')
  if (to !== undefined) out.to = requireString(to, 'versionIds.to')
  return out
}

/** Throws unless `value` is a string of at most MAX_FIELD_LENGTH characters (non-empty unless allowed). */
export function requireString(value: unknown, field: string, allowEmpty = false): string {
  if (typeof value !== 'string') throw new AuditError(`audit entry field "${field}" must be a string`)
  if (!allowEmpty && value.length === 0) throw new AuditError(`audit entry field "${field}" must not be empty`)
  checkLength(value, field)
  return value
}

function checkLength(value: string, field: string): void {
  if (value.length > MAX_FIELD_LENGTH) {
    throw new AuditError(
      `audit entry field "${field}" is ${value.length} characters long (limit ${MAX_FIELD_LENGTH}); ` +
        'refusing to write it in case it holds a secret value',
    )
  }
}

/**
 * Checks that a parsed line has the shape of an entry. Returns the entry, or a message saying what
 * is wrong with it.
 */
export function parseEntry(value: unknown): {entry: AuditEntry} | {error: string} {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {error: 'line is not a JSON object'}
  const v = value as Record<string, unknown>
  for (const key of Object.keys(v)) {
    if (!ENTRY_KEY_SET.has(key)) return {error: `unexpected field "${key}"`}
  }
  if (typeof v.seq !== 'number' || !Number.isSafeInteger(v.seq) || v.seq < 1) {
    return {error: 'field "seq" must be a positive integer'}
  }
  if (typeof v.pid !== 'number' || !Number.isSafeInteger(v.pid)) return {error: 'field "pid" must be an integer'}
  if (typeof v.prev !== 'string' || !HASH_RE.test(v.prev)) return {error: 'field "prev" must be 64 hex digits'}
  for (const key of ['time', 'user', 'host', 'runId', 'secret', 'action'] as const) {
    if (typeof v[key] !== 'string') return {error: `field "${key}" must be a string`}
  }
  if (Number.isNaN(Date.parse(v.time as string))) return {error: 'field "time" is not an ISO time'}
  if (!OUTCOMES.has(v.outcome)) return {error: 'field "outcome" must be "intent", "ok" or "failed"'}
  if (v.intent !== undefined && (typeof v.intent !== 'number' || !Number.isSafeInteger(v.intent) || v.intent < 1)) {
    return {error: 'field "intent" must be a positive integer'}
  }
  if (v.mac !== undefined && (typeof v.mac !== 'string' || !MAC_RE.test(v.mac))) return {error: `field "mac" must be ${MAC_SCHEME}:<64 hex digits>`}
  for (const key of ['target', 'rotationId', 'reason', 'error', 'intentRunId'] as const) {
    if (v[key] !== undefined && typeof v[key] !== 'string') return {error: `field "${key}" must be a string`}
  }
  try {
    if (v.versionIds !== undefined) checkVersionIds(v.versionIds)
    for (const key of ['time', 'user', 'host', 'runId', 'secret', 'action', 'target', 'rotationId', 'reason', 'error', 'intentRunId']) {
      if (typeof v[key] === 'string') checkLength(v[key], key)
    }
  } catch (e) {
    return {error: (e as Error).message.replace(/^audit entry /, '')}
  }
  return {entry: v as unknown as AuditEntry}
}
