/**
 * Orphans: rotor-owned secrets under the paths the config uses that no secret in the config names
 * any more (removed from rotor.yaml, renamed). They stay valid in their stores forever unless
 * someone notices, so `diff` and `check` report them.
 *
 * One list call per store, under the common directory prefix of that store's configured paths
 * (the provider's list-by-prefix), so it scales with the number of secrets: only listed paths
 * the config does not name are described, to learn whether rotor owns them.
 */
import type {RotorConfig} from '../config/types.js'
import type {StoreSet} from '../engine/stores.js'
import type {SecretSnapshot, StoreClient} from '../../providers/types.js'
import {chunks} from '../util/pool.js'
import {describePaths} from '../../providers/describe-many.js'

export interface Orphan {
  store: string
  path: string
  /** `store:path` */
  target: string
  hint: string
}

export interface OrphanReport {
  orphans: Orphan[]
  /** Stores whose listing failed: orphans there are unknown. */
  unlisted: Array<{store: string; prefix: string; reason: string}>
}

/** The longest directory prefix (ending in `/`, or '') shared by every path. */
export function commonDirectory(paths: string[]): string {
  if (paths.length === 0) return ''
  let prefix = paths[0].slice(0, paths[0].lastIndexOf('/') + 1)
  for (const path of paths.slice(1)) {
    while (prefix && !path.startsWith(prefix)) prefix = prefix.slice(0, prefix.slice(0, -1).lastIndexOf('/') + 1)
  }
  return prefix
}

/** Per store: the prefix to list and the paths the config names there. */
export function orphanScopes(config: RotorConfig): Array<{store: string; prefix: string; configured: Set<string>}> {
  const byStore = new Map<string, Set<string>>()
  for (const secret of config.secrets) {
    for (const t of secret.targets) byStore.set(t.store, (byStore.get(t.store) ?? new Set()).add(t.path))
  }
  return [...byStore].map(([store, configured]) => ({store, prefix: commonDirectory([...configured]), configured}))
}

const DESCRIBE_CHUNK = 100

/** Paths a store lists under `prefix` that `configured` does not hold, each with its snapshot. */
export async function describeUnnamed(client: StoreClient, prefix: string, configured: Set<string>): Promise<Array<{path: string; snapshot: SecretSnapshot}>> {
  const unknown = (await client.list(prefix)).filter((p) => !configured.has(p))
  const found: Array<{path: string; snapshot: SecretSnapshot}> = []
  for (const chunk of chunks(unknown, DESCRIBE_CHUNK)) {
    for (const [path, snapshot] of await describePaths(client, chunk)) {
      if (snapshot instanceof Error) throw snapshot
      found.push({path, snapshot})
    }
  }
  return found
}

/** Paths the config names on `store`. */
export function configuredPaths(config: RotorConfig, store: string): Set<string> {
  return new Set(config.secrets.flatMap((s) => s.targets.filter((t) => t.store === store).map((t) => t.path)))
}

export async function findOrphans(config: RotorConfig, stores: StoreSet): Promise<OrphanReport> {
  const report: OrphanReport = {orphans: [], unlisted: []}
  await Promise.all(
    orphanScopes(config).map(async ({store, prefix, configured}) => {
      try {
        const client = await stores.get(store)
        for (const {path, snapshot: s} of await describeUnnamed(client, prefix, configured)) {
          if (s.exists && s.owned && s.versions.some((v) => v.enabled && !v.destroyed)) report.orphans.push(orphan(store, path))
        }
      } catch (error) {
        report.unlisted.push({store, prefix, reason: (error as Error).message})
      }
    }),
  )
  report.orphans.sort((a, b) => a.target.localeCompare(b.target))
  return report
}

function orphan(store: string, path: string): Orphan {
  const target = `${store}:${path}`
  return {
    store,
    path,
    target,
    hint: `no secret in the config names ${target} but it holds a valid rotor-owned value: add it back to rotor.yaml (a secret with target ${target}) to keep rotating it, or, once nothing reads it, delete it in the store`,
  }
}
