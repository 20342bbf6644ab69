/**
 * Reads every version rotor can read that is not destroyed, for the secrets given: current,
 * previous and pending by version id, and retired ones where the store still keeps them
 * readable (RetiredValueReader). Values are deduplicated: one entry per distinct value, with
 * every place it was found. Nothing here prints or returns a value outside a SecretValue.
 */
import type {SecretConfig} from '../config/types.js'
import {readInventory} from '../engine/inventory.js'
import type {StoreSet} from '../engine/stores.js'
import {isNotFound} from '../errors/index.js'
import type {Inventory} from '../plan/types.js'
import {mapLimit} from '../util/pool.js'
import {MIN_REDACTED_LENGTH} from '../redact/index.js'
import {readsRetired, type Role, SecretValue, type StoreClient, type VersionInfo} from '../../providers/types.js'

export interface ValueSite {
  secret: string
  environment?: string
  target: string
  versionId: string
  role: Role
  rotationId?: string
  createdAt: Date
  /** The field of a structured value this is (`password`), when scan looks for fields on their own. */
  field?: string
}

export interface KnownValue {
  value: SecretValue
  sites: ValueSite[]
}

export interface Unreadable {
  secret: string
  target: string
  versionId?: string
  reason: string
}

export interface CollectedValues {
  values: KnownValue[]
  inventory: Inventory
  /** Store or version reads that failed (not: retired versions the store no longer serves). */
  unreadable: Unreadable[]
  /** Retired, not destroyed versions the store does not let rotor read (e.g. Vault soft deletes). */
  skipped: number
}

export const ROLE_RANK: Record<Role, number> = {current: 0, pending: 1, previous: 2, retired: 3}

interface Job {
  secret: SecretConfig
  target: string
  store: string
  path: string
  version: VersionInfo
}

export async function collectValues(secrets: SecretConfig[], stores: StoreSet, concurrency = 8): Promise<CollectedValues> {
  const inventory = await readInventory(secrets, stores)
  const unreadable: Unreadable[] = []
  const jobs: Job[] = []
  for (const secret of secrets) {
    for (const observation of inventory.get(secret.name) ?? []) {
      const target = `${observation.target.store}:${observation.target.path}`
      if (observation.error) {
        unreadable.push({secret: secret.name, target, reason: observation.error.message})
        continue
      }
      for (const version of observation.snapshot?.versions ?? []) {
        if (!version.destroyed) jobs.push({secret, target, store: observation.target.store, path: observation.target.path, version})
      }
    }
  }
  const byValue = new Map<string, KnownValue>()
  let skipped = 0
  await mapLimit(jobs, concurrency, async (job) => {
    let value: SecretValue | undefined
    try {
      value = await readVersion(await stores.get(job.store), job)
    } catch (error) {
      if (!isNotFound(error)) unreadable.push({secret: job.secret.name, target: job.target, versionId: job.version.id, reason: (error as Error).message})
      else skipped++
      return
    }
    if (!value) {
      skipped++
      return
    }
    const site: ValueSite = {
      secret: job.secret.name,
      ...(job.secret.environment ? {environment: job.secret.environment} : {}),
      target: job.target,
      versionId: job.version.id,
      role: job.version.role,
      ...(job.version.rotationId ? {rotationId: job.version.rotationId} : {}),
      createdAt: job.version.createdAt,
    }
    const key = value.reveal()
    const known = byValue.get(key)
    if (known) known.sites.push(site)
    else byValue.set(key, {value, sites: [site]})
  })
  const values = [...byValue.values()]
  for (const v of values) v.sites.sort((a, b) => ROLE_RANK[a.role] - ROLE_RANK[b.role] || a.secret.localeCompare(b.secret))
  return {values, inventory, unreadable, skipped}
}

/**
 * The values plus each field of every structured value (`{"username": ..., "password": ...}`) on
 * its own: a password pasted alone into a file is as much a leak as the JSON it came in. Fields
 * shorter than the redactor's minimum are left out (they would match ordinary text). Only scan
 * uses this; `check`'s shared-value finding compares whole values.
 */
export function withFields(values: KnownValue[]): KnownValue[] {
  const byText = new Map(values.map((known) => [known.value.reveal(), known]))
  const out = [...values]
  for (const known of values) {
    for (const [field, text] of Object.entries(known.value.fields() ?? {})) {
      if (text.length < MIN_REDACTED_LENGTH) continue
      const sites = known.sites.map((site) => ({...site, field}))
      const seen = byText.get(text)
      if (seen) {
        seen.sites.push(...sites.filter((site) => !seen.sites.some((s) => s.target === site.target && s.versionId === site.versionId && s.field === site.field)))
        continue
      }
      const entry = {value: new SecretValue(text), sites}
      byText.set(text, entry)
      out.push(entry)
    }
  }
  return out
}

/** An enabled version by id; a disabled one only through the store's retired-value reader. */
async function readVersion(client: StoreClient, job: Job): Promise<SecretValue | undefined> {
  if (job.version.enabled) return client.readValue(job.path, {versionId: job.version.id})
  if (!readsRetired(client)) return undefined
  return client.readRetiredValue(job.path, job.version.id)
}
