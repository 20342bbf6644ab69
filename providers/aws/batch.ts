/**
 * Reading many secrets. describeMany: ListSecrets pages answer for 100 secrets a request (tags,
 * last access, labelled versions); versions still come from one ListSecretVersionIds a secret,
 * since a listing has neither creation dates nor unlabelled versions. Secrets the listing lacks
 * (new ones: it may lag five minutes, or missing ones), scheduled for deletion, or whose listed
 * labels disagree with their fresh versions (a stale entry) are described one by one.
 *
 * readMany: BatchGetSecretValue fetches the AWSCURRENT value of up to 20 secrets per
 * call and reports failures per secret (`Errors`), so one missing secret does not fail the rest.
 * It has no VersionStage parameter: other roles are read one GetSecretValue at a time.
 */
import {BatchGetSecretValueCommand, ListSecretsCommand, type SecretListEntry} from '@aws-sdk/client-secrets-manager'
import {isNotFound, NotFoundError, type RotorError} from '../../src/errors/index.js'
import {describeFromListing, type ListPages} from '../describe-many.js'
import {type BatchReadResult, type DescribeResult, type Role, type SecretSnapshot, SecretValue} from '../types.js'
import type {AwsStoreClient} from './client.js'
import {chunks, mapConcurrent} from './concurrency.js'
import {translateAwsError} from './errors.js'
import {sameLabels, snapshotOf} from './mapping.js'

export const BATCH_SIZE = 20

/** One entry per requested path, in input order: a value or the error for that path. */
export interface ReadResult extends BatchReadResult {
  error?: RotorError
}

export async function readMany(
  client: AwsStoreClient,
  paths: string[],
  role: Exclude<Role, 'retired'>,
  concurrency: number,
): Promise<ReadResult[]> {
  if (role !== 'current') {
    return mapConcurrent(paths, concurrency, async (path) => {
      try {
        return {path, value: await client.readValue(path, {role})}
      } catch (error) {
        return {path, error: translateAwsError(error, {store: client.storeName, op: 'GetSecretValue', path, ref: client.ref(path)})}
      }
    })
  }
  const found = new Map<string, ReadResult>()
  for (const batch of chunks([...new Set(paths)], BATCH_SIZE)) {
    const out = await client.call('BatchGetSecretValue', undefined, () =>
      client.sdk.send(new BatchGetSecretValueCommand({SecretIdList: batch})),
    )
    for (const entry of out.SecretValues ?? []) {
      const path = batch.find((p) => p === entry.Name || p === entry.ARN)
      if (!path) continue
      found.set(
        path,
        entry.SecretString === undefined
          ? {path, error: translateAwsError({name: 'InvalidRequestException', message: 'holds a binary value; rotor manages SecretString values only'}, context(client, path))}
          : {path, value: new SecretValue(entry.SecretString), ...(entry.VersionId ? {versionId: entry.VersionId} : {})},
      )
    }
    for (const failure of out.Errors ?? []) {
      const path = batch.find((p) => p === failure.SecretId)
      if (!path) continue
      found.set(path, {path, error: translateAwsError({name: failure.ErrorCode, message: failure.Message}, context(client, path))})
    }
  }
  return paths.map(
    (path) => found.get(path) ?? {path, error: new NotFoundError(`${client.ref(path)} was not returned by BatchGetSecretValue`, {store: client.storeName, ref: client.ref(path)})},
  )
}

const context = (client: AwsStoreClient, path: string) => ({store: client.storeName, op: 'BatchGetSecretValue', path, ref: client.ref(path)})

type Request = <T>(request: () => Promise<T>) => Promise<T>

/** Secrets a ListSecrets page holds at most. */
export const LIST_PAGE = 100
/** Secrets described at once; the store's limiter (providers/limits.ts) bounds the real number. */
const BULK_CONCURRENCY = 32

export async function describeMany(client: AwsStoreClient, paths: readonly string[], call: Request): Promise<Map<string, DescribeResult>> {
  return describeFromListing<SecretListEntry>(paths, (wanted, onPage) => listPages(client, wanted, onPage, call), (path, entry) => describeListed(client, path, entry, call), BULK_CONCURRENCY)
}

async function describeListed(client: AwsStoreClient, path: string, entry: SecretListEntry | undefined, call: Request): Promise<SecretSnapshot> {
  if (!entry || entry.DeletedDate) return call(() => client.describe(path))
  try {
    const versions = await call(() => client.listVersions(path))
    if (sameLabels(entry.SecretVersionsToStages, versions)) return snapshotOf(path, entry, versions)
  } catch (error) {
    // Deleted since the listing: `describe` says so properly.
    if (!isNotFound(error)) throw error
  }
  return call(() => client.describe(path))
}

/**
 * ListSecrets pages, filtered by the paths' name prefixes, until every path is listed or paging
 * costs more than describing the rest would. A listing the store refuses (no
 * secretsmanager:ListSecrets) or that fails leaves the remaining paths to `describe`, which
 * reports their own errors.
 */
async function listPages(client: AwsStoreClient, wanted: ReadonlySet<string>, onPage: Parameters<ListPages<SecretListEntry>>[1], call: Request): Promise<void> {
  const prefixes = namePrefixes([...wanted])
  const maxPages = 2 * Math.ceil(wanted.size / LIST_PAGE) + 1
  let NextToken: string | undefined
  let pages = 0
  let unlisted = wanted.size
  try {
    do {
      const token = NextToken
      const out = await call(() =>
        client.call('ListSecrets', undefined, () =>
          client.sdk.send(new ListSecretsCommand({MaxResults: LIST_PAGE, NextToken: token, ...(prefixes ? {Filters: [{Key: 'name', Values: prefixes}]} : {})})),
        ),
      )
      pages++
      unlisted = onPage((out.SecretList ?? []).flatMap((entry) => (entry.Name !== undefined && wanted.has(entry.Name) ? [[entry.Name, entry] as [string, SecretListEntry]] : [])))
      NextToken = out.NextToken
    } while (NextToken && unlisted > 0 && pages < maxPages)
  } catch {
    // Deliberately quiet: every path not listed is described on its own, and errors there surface.
  }
}

/** The ListSecrets `name` filter matches name prefixes, case-sensitive, up to 10 values ORed. */
const FILTER_VALUE = /^[a-zA-Z0-9 :_@/+=.-]{1,512}$/

/**
 * Up to ten name prefixes covering `paths` (one per top-level folder, each the longest prefix its
 * paths share), or one shared prefix, or none when the paths share nothing.
 */
export function namePrefixes(paths: readonly string[]): string[] | undefined {
  const groups = new Map<string, string>()
  for (const path of paths) {
    const slash = path.indexOf('/')
    const group = slash >= 0 ? path.slice(0, slash + 1) : ''
    const prefix = groups.get(group)
    groups.set(group, prefix === undefined ? path : commonPrefix(prefix, path))
  }
  const perGroup = [...groups.values()]
  const values = perGroup.length <= 10 && perGroup.every((v) => FILTER_VALUE.test(v)) ? perGroup : [perGroup.reduce(commonPrefix)]
  return values.every((v) => FILTER_VALUE.test(v)) ? values.sort() : undefined
}

function commonPrefix(a: string, b: string): string {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return a.slice(0, i)
}
