/**
 * The `filter` and paging of ListSecrets / ListSecretVersions. The filter language follows the
 * "Filter lists of secrets and secret versions" page as far as rotor and its tests need it:
 * terms joined by AND (or juxtaposed), `name:<substring>`, `labels.<key>=<value>`,
 * `labels.<key>:*` (has the label), and `state:<STATE>` / `state=<STATE>` for versions. Anything
 * else is refused with INVALID_ARGUMENT rather than silently matching everything.
 */
import {status} from '@grpc/grpc-js'
import {type EmuSecret, type EmuVersion, GcpFault} from './model.js'

const MAX_PAGE = 25_000

const unquote = (text: string) => (text.length >= 2 && text.startsWith('"') && text.endsWith('"') ? text.slice(1, -1) : text)

function terms(filter: string): string[] {
  return filter
    .trim()
    .split(/\s+(?:AND\s+)?/)
    .filter((t) => t !== '' && t !== 'AND')
}

function invalid(filter: string): GcpFault {
  return new GcpFault(status.INVALID_ARGUMENT, `Invalid filter [${filter}].`)
}

export function matchesSecretFilter(secret: EmuSecret, filter: string): boolean {
  return terms(filter).every((term) => {
    const name = /^name:(.+)$/.exec(term)
    if (name) return secret.name.includes(unquote(name[1]))
    const label = /^labels\.([^=:]+)([=:])(.+)$/.exec(term)
    if (label) {
      const [, key, op, raw] = label
      const actual = secret.labels[key]
      if (op === ':' && raw === '*') return actual !== undefined
      return actual === unquote(raw)
    }
    throw invalid(filter)
  })
}

export function matchesVersionFilter(version: EmuVersion, filter: string): boolean {
  return terms(filter).every((term) => {
    const state = /^state[:=](.+)$/.exec(term)
    if (state) return version.state === unquote(state[1]).toUpperCase()
    throw invalid(filter)
  })
}

export function page<T>(all: T[], pageSize: unknown, pageToken: unknown): {items: T[]; nextPageToken: string} {
  const size = Number(pageSize ?? 0)
  if (!Number.isInteger(size) || size < 0 || size > MAX_PAGE) {
    throw new GcpFault(status.INVALID_ARGUMENT, `page_size must be between 0 and ${MAX_PAGE}.`)
  }
  const limit = size === 0 ? MAX_PAGE : size
  let offset = 0
  if (typeof pageToken === 'string' && pageToken !== '') {
    offset = Number(Buffer.from(pageToken, 'base64url').toString('utf8').replace(/^offset:/, ''))
    if (!Number.isInteger(offset) || offset < 0) throw new GcpFault(status.INVALID_ARGUMENT, 'Invalid page_token.')
  }
  const items = all.slice(offset, offset + limit)
  const next = offset + limit < all.length ? Buffer.from(`offset:${offset + limit}`).toString('base64url') : ''
  return {items, nextPageToken: next}
}
