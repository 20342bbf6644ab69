/**
 * Describing many secrets: ListSecrets pages return whole Secret resources (labels, annotations,
 * version aliases, etag), the same GetSecret would, for up to PAGE secrets a request. Versions
 * (state, creation time) are not in a listing, so each secret still gets one ListSecretVersions.
 * A secret the listing lacks, or whose aliases name a version its fresh listing does not have
 * (it changed between the two requests), is described on its own.
 */
import {isNotFound} from '../../src/errors/index.js'
import {describeFromListing, type ListPages} from '../describe-many.js'
import type {DescribeResult, SecretSnapshot} from '../types.js'
import type {GcpStoreClient} from './client.js'
import {aliasesOf, type Secret, type SecretVersion, snapshotOf} from './mapping.js'
import {parentOf, pathOfSecretName, toSecretId, versionNumberOf} from './naming.js'
import {PAGE_CALL} from './sdk.js'

type Request = <T>(request: () => Promise<T>) => Promise<T>

/** Secrets a ListSecrets page holds (the API allows up to 25,000). */
export const LIST_PAGE = 1000
/** Secrets described at once; the store's limiter (providers/limits.ts) bounds the real number. */
const BULK_CONCURRENCY = 32

export async function describeMany(client: GcpStoreClient, paths: readonly string[], call: Request): Promise<Map<string, DescribeResult>> {
  return describeFromListing<Secret, SecretVersion[]>(
    paths,
    (wanted, onPage) => listPages(client, wanted, onPage, call),
    (path, secret, versions) => describeListed(client, path, secret, versions, call),
    BULK_CONCURRENCY,
    // A secret's versions do not depend on its listed resource: read them while the listing pages.
    (path) => call(() => client.listVersions(path)),
  )
}

/**
 * A secret's snapshot from its listed resource (if listed) and its versions, read with no regard
 * to the listing. The same calls as describing after the listing: one ListSecretVersions a
 * secret; GetSecret only for a secret the listing lacks (or one that changed in between).
 */
async function describeListed(client: GcpStoreClient, path: string, listed: Secret | undefined, versions: PromiseSettledResult<SecretVersion[]> | undefined, call: Request): Promise<SecretSnapshot> {
  // A single path is not listed (nor prefetched): its own describe.
  if (!versions) return call(() => client.describe(path))
  if (versions.status === 'rejected') {
    if (isNotFound(versions.reason)) {
      // A listed secret was deleted since (`describe` says so properly); an unlisted one is not there.
      return listed ? call(() => client.describe(path)) : {path, exists: false, owned: false, versions: [], meta: {}, labels: {}}
    }
    if (listed) throw versions.reason
    // Unlisted and unreadable: `describe` reports its own error.
    return call(() => client.describe(path))
  }
  const secret = listed ?? (await call(() => client.getSecret(path)))
  if (!secret) return {path, exists: false, owned: false, versions: [], meta: {}, labels: {}}
  if (aliasesKnown(secret, versions.value)) return snapshotOf(path, secret, versions.value)
  return call(() => client.describe(path))
}

function aliasesKnown(secret: Secret, versions: SecretVersion[]): boolean {
  const numbers = new Set(versions.map((v) => versionNumberOf(v.name)))
  return Object.values(aliasesOf(secret)).every((n) => numbers.has(n))
}

/**
 * ListSecrets pages until every path is listed or paging costs more than describing the rest. A
 * listing refused (no secretmanager.secrets.list) or failing leaves the rest to `describe`, which
 * reports their own errors.
 */
async function listPages(client: GcpStoreClient, wanted: ReadonlySet<string>, onPage: Parameters<ListPages<Secret>>[1], call: Request): Promise<void> {
  const filter = nameFilter([...wanted])
  const maxPages = 2 * Math.ceil(wanted.size / LIST_PAGE) + 1
  let pageToken = ''
  let pages = 0
  let unlisted = wanted.size
  try {
    do {
      const token = pageToken
      const [secrets, , raw] = await call(() =>
        client.call('ListSecrets', undefined, () => client.sdk.listSecrets({parent: parentOf(client.where), pageSize: LIST_PAGE, pageToken: token, filter}, PAGE_CALL)),
      )
      pages++
      unlisted = onPage(
        secrets.flatMap((secret) => {
          const path = secret.name ? pathOfSecretName(secret.name) : undefined
          return path !== undefined && wanted.has(path) ? [[path, secret] as [string, Secret]] : []
        }),
      )
      pageToken = raw?.nextPageToken ?? ''
    } while (pageToken && unlisted > 0 && pages < maxPages)
  } catch {
    // Deliberately quiet: every path not listed is described on its own, and errors there surface.
  }
}

/** `name:` matches a substring of the resource name: the secret ids' shared prefix narrows the listing. */
export function nameFilter(paths: readonly string[]): string {
  const ids = paths.map(toSecretId)
  let prefix = ids[0] ?? ''
  for (const id of ids) while (!id.startsWith(prefix)) prefix = prefix.slice(0, -1)
  return /^[A-Za-z0-9_-]+$/.test(prefix) ? `name:${prefix}` : ''
}
