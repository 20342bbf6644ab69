/**
 * Reads the values drift detection needs and keeps only what it must: an HMAC of each value under
 * a key made for this run (so a fingerprint means nothing outside it), and the values of versions
 * a sync may copy. Versions are immutable in every store, so a version read once is never read
 * again in the same run, not even under the lease when the engine observes the secret afresh.
 */
import {createHmac, randomBytes} from 'node:crypto'
import type {TargetRef} from '../config/types.js'
import {type Fingerprints, versionKey} from '../plan/drift.js'
import {chunks, mapLimit} from '../util/pool.js'
import {type BatchReading, readsInBatches, type SecretValue, type StoreClient} from '../../providers/types.js'
import type {StoreSet} from './stores.js'

export interface VersionRef {
  target: TargetRef
  versionId: string
  /** The version is the target's current one: a batch read of current values can fetch it. */
  current?: boolean
}

export class ValueReader {
  private readonly prints = new Map<string, string>()
  private readonly values = new Map<string, SecretValue>()
  private readonly key: Buffer

  constructor(
    private readonly stores: StoreSet,
    key: Buffer = randomBytes(32),
    /** Values reads in flight per store; the store's limiter paces them further. */
    private readonly concurrency = 64,
  ) {
    this.key = key
  }

  get fingerprints(): Fingerprints {
    return this.prints
  }

  /**
   * A structured value is fingerprinted field by field (sorted by name), so every field counts and
   * two stores that hold the same fields in another JSON spelling (key order, spaces) agree.
   */
  fingerprint(value: SecretValue): string {
    const fields = value.fields()
    const text = fields ? JSON.stringify(Object.entries(fields).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : value.reveal()
    return createHmac('sha256', this.key).update(fields ? `fields:${text}` : text).digest('hex')
  }

  /** A value read earlier in this run, if any. */
  cached(target: TargetRef, versionId: string): SecretValue | undefined {
    return this.values.get(versionKey(target, versionId))
  }

  /** Read and fingerprint what is not known yet; batch reads where the store has them. */
  async fetch(refs: VersionRef[]): Promise<void> {
    const byStore = new Map<string, VersionRef[]>()
    for (const ref of refs) {
      if (this.prints.has(versionKey(ref.target, ref.versionId))) continue
      const list = byStore.get(ref.target.store) ?? []
      list.push(ref)
      byStore.set(ref.target.store, list)
    }
    await Promise.all([...byStore].map(([store, list]) => this.fetchFrom(store, list)))
  }

  /** The value of one version, from this run's cache or the store. */
  async read(target: TargetRef, versionId: string): Promise<SecretValue> {
    const known = this.cached(target, versionId)
    if (known) return known
    const client = await this.stores.get(target.store)
    const value = await client.readValue(target.path, {versionId})
    this.keep(target, versionId, value)
    return value
  }

  private async fetchFrom(store: string, refs: VersionRef[]): Promise<void> {
    const client = await this.stores.get(store)
    let single = refs
    if (readsInBatches(client) && client.capabilities.batchReadSize > 1) {
      const current = refs.filter((r) => r.current)
      single = refs.filter((r) => !r.current)
      const missed = await this.batch(client, current)
      single.push(...missed)
    }
    await mapLimit(single, this.concurrency, async (ref) => {
      try {
        await this.read(ref.target, ref.versionId)
      } catch {
        // Unreadable (retired meanwhile, denied, the store gave up): without a fingerprint drift
        // detection reports `unknown` and sync writes nothing there.
      }
    })
  }

  /** Current values in calls of `batchReadSize`; returns what a batch could not answer for. */
  private async batch(client: StoreClient & BatchReading, refs: VersionRef[]): Promise<VersionRef[]> {
    const missed: VersionRef[] = []
    await mapLimit(chunks(refs, client.capabilities.batchReadSize), this.concurrency, async (chunk) => {
      const results = await client.readMany(chunk.map((r) => r.target.path)).catch(() => [])
      chunk.forEach((ref, i) => {
        const result = results[i]
        // The current version may have moved since it was described: read that one by id.
        if (result?.value && result.versionId === ref.versionId) this.keep(ref.target, ref.versionId, result.value)
        else missed.push(ref)
      })
    })
    return missed
  }

  private keep(target: TargetRef, versionId: string, value: SecretValue): void {
    const key = versionKey(target, versionId)
    this.values.set(key, value)
    this.prints.set(key, this.fingerprint(value))
  }
}
