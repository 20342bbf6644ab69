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
  return describeFromListing<Secret>(paths, (wanted, onPage) => listPages(client, wanted, onPage, call), (path, secret) => describeListed(client, path, secret, call), BULK_CONCURRENCY)
}

async function describeListed(client: GcpStoreClient, path: string, secret: Secret | undefined, call: Request): Promise<SecretSnapshot> {
  if (!secret) return call(() => client.describe(path))
  try {
    const versions = await call(() => client.listVersions(path))
    if (aliasesKnown(secret, versions)) return snapshotOf(path, secret, versions)
  } catch (error) {
    if (!isNotFound(error)) throw error
  }
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
