/**
 * A lease on a secret while one run changes it: `leaseOwner` and `leaseExpiresAt` in the
 * primary's rotor meta. Metadata writes have no compare-and-swap on most stores, so taking a
 * lease is write, wait `settleMs`, read back: of two runs that both saw no lease, the one whose
 * write landed last owns it, and both read the same owner back. The lease is checked again just
 * before the first promotion, and the stores' conditional writes (AWS label move, Vault cas,
 * GCP etag, the file store's lock) catch what a lease cannot (DESIGN.md, "Where it goes past one
 * machine"). Lease times use the real wall clock, never the injectable rotor clock, so runs on
 * different processes agree on them (as src/util/lock-file.ts does).
 */
import {hostname} from 'node:os'
import {processAlive} from '../util/process.js'
import type {AuditLog} from '../audit/index.js'
import {isAuditError} from '../audit/errors.js'
import {resolveOpenIntents} from '../audit/resolve.js'
import {META} from '../plan/observe.js'
import type {Inventory} from '../plan/types.js'
import type {RotorMeta} from '../../providers/types.js'
import type {StoreSet} from './stores.js'

export interface LeaseSettings {
  /** How long a lease lasts; a crashed run's lease on another host blocks the secret this long. */
  ttlMs: number
  /** Pause between writing the lease and reading it back. */
  settleMs: number
  /** Wall clock in ms; tests move it to expire leases. */
  wallNow?: () => number
}

export const DEFAULT_LEASE: LeaseSettings = {ttlMs: 15 * 60_000, settleMs: 300}

/** `host/pid/run`: enough to tell a dead process on this host from a live one elsewhere. */
export function leaseOwner(runId: string): string {
  return `${hostname()}/${process.pid}/${runId.replace(/[^A-Za-z0-9]/g, '').slice(0, 12)}`
}

export type LeaseState = {kind: 'free'; takeover?: string} | {kind: 'mine'} | {kind: 'held'; owner: string; expiresAt: string}

/** Who holds the lease in `meta`, judged at wall-clock time `nowMs`. */
export function leaseState(meta: RotorMeta, me: string, nowMs: number = Date.now()): LeaseState {
  const owner = meta[META.leaseOwner]
  const expiresAt = meta[META.leaseExpiresAt]
  if (!owner) return {kind: 'free'}
  if (owner === me) return {kind: 'mine'}
  const expiry = Date.parse(expiresAt ?? '')
  if (Number.isNaN(expiry) || expiry <= nowMs) return {kind: 'free', takeover: `expired lease of ${owner}`}
  const [host, pid] = owner.split('/')
  if (host === hostname() && !processAlive(Number(pid))) return {kind: 'free', takeover: `lease of ${owner}, whose process is gone`}
  return {kind: 'held', owner, expiresAt: expiresAt!}
}

export function leaseMeta(me: string, settings: LeaseSettings, nowMs: number = Date.now()): RotorMeta {
  return {[META.leaseOwner]: me, [META.leaseExpiresAt]: new Date(nowMs + settings.ttlMs).toISOString()}
}

export const releaseMeta = (): RotorMeta => ({[META.leaseOwner]: undefined, [META.leaseExpiresAt]: undefined})

/**
 * Leases left by crashed runs on secrets this run had nothing else to do for: cleared, and the
 * clearing audit-logged, so `status` shows no phantom owner. A lease that is still live is left.
 */
export async function clearStaleLeases(
  inventory: Inventory,
  touched: Set<string>,
  stores: Pick<StoreSet, 'get'>,
  audit: Pick<AuditLog, 'append'> & Partial<Pick<AuditLog, 'openIntents' | 'runId'>>,
  settings: Pick<LeaseSettings, 'wallNow'> = {},
  checkpoint?: (label: string) => void,
): Promise<void> {
  for (const [secret, observations] of inventory) {
    const primary = observations[0]
    const meta = primary?.snapshot?.meta
    if (touched.has(secret) || !meta?.[META.leaseOwner] || !primary.snapshot?.owned) continue
    const state = leaseState(meta, '', (settings.wallNow ?? Date.now)())
    if (state.kind !== 'free') continue
    try {
      const client = await stores.get(primary.target.store)
      await client.setMeta(primary.target.path, releaseMeta())
      checkpoint?.(`release ${primary.target.store}:${primary.target.path}`)
      await audit.append({secret, target: primary.target, action: 'lease-cleared', reason: state.takeover, outcome: 'ok'})
      // The dead run's changes on this secret are settled by what the stores show now.
      await resolveOpenIntents(secret, observations, audit)
    } catch (error) {
      if (isAuditError(error)) throw error
      // Cleared by a later run; it blocks nobody on this host meanwhile, elsewhere only until expiry.
    }
  }
}

/** An intent written by a process that still runs on this host (another host's cannot be told). */
export const intentLive = (intent: {host: string; pid: number}): boolean => intent.host === hostname() && processAlive(intent.pid)
