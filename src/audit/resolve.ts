/**
 * Resolving an intent a crashed run left open: what the store holds now says whether the change
 * happened. Pure: the engine passes the fresh observation it made under the secret's lease.
 */
import type {SecretSnapshot} from '../../providers/types.js'
import type {TargetObservation} from '../plan/types.js'
import type {AuditEntry, AuditInput, AuditVersionIds} from './types.js'

export interface IntentLog {
  runId?: string
  append(input: AuditInput): Promise<unknown>
  /** Open intents; the log may answer for `secret` alone (the result is filtered anyway). */
  openIntents?(secret?: string): Promise<AuditEntry[]>
}

/**
 * Closes the open intents other runs left on `secret`, judged from `observations` (made after
 * this run made sure no other run is changing the secret: under its lease, or clearing a dead
 * run's lease). Intents the snapshot cannot judge stay open.
 */
export async function resolveOpenIntents(
  secret: string,
  observations: TargetObservation[],
  log: IntentLog,
  /** Skips intents of runs still alive (checked on this host by pid), when no lease guards the secret. */
  isLive: (intent: AuditEntry) => boolean = () => false,
): Promise<void> {
  if (!log.openIntents) return
  const open = (await log.openIntents(secret)).filter((i) => i.secret === secret && i.runId !== log.runId && !isLive(i))
  for (const intent of open) {
    const observation = observations.find((o) => `${o.target.store}:${o.target.path}` === intent.target)
    const resolution = resolveIntent(intent, observation?.snapshot)
    if (resolution) await log.append(resolution)
  }
}

/** The outcome entry that closes `intent`, or undefined when the snapshot cannot tell. */
export function resolveIntent(intent: AuditEntry, snapshot: SecretSnapshot | undefined): AuditInput | undefined {
  if (!snapshot) return undefined
  const judged = judge(intent, snapshot)
  if (!judged) return undefined
  const {happened, versionIds} = judged
  return {
    secret: intent.secret,
    ...(intent.target ? {target: intent.target} : {}),
    action: intent.action,
    ...(versionIds ?? intent.versionIds ? {versionIds: versionIds ?? intent.versionIds} : {}),
    ...(intent.rotationId ? {rotationId: intent.rotationId} : {}),
    reason: `resolved: run ${intent.runId} stopped after its intent (entry ${intent.seq}); the store shows the change ${happened ? 'happened' : 'did not happen'}`,
    outcome: happened ? 'ok' : 'failed',
    ...(happened ? {} : {error: 'not done: the run stopped first'}),
    intent: intent.seq,
    intentRunId: intent.runId,
  }
}

function judge(intent: AuditEntry, snapshot: SecretSnapshot): {happened: boolean; versionIds?: AuditVersionIds} | undefined {
  const ids = intent.versionIds
  const from = ids && !Array.isArray(ids) ? ids.from : undefined
  const listed = Array.isArray(ids) ? ids[0] : undefined
  const byRotation = intent.rotationId ? snapshot.versions.find((v) => v.rotationId === intent.rotationId) : undefined
  const current = snapshot.versions.find((v) => v.role === 'current')
  const moved = (to: string) => ({...(from ? {from} : {}), to})
  switch (intent.action) {
    case 'stage':
      return byRotation ? {happened: true, versionIds: moved(byRotation.id)} : {happened: false}
    case 'create':
    case 'write':
    case 'promote':
    case 'reinstate':
      if (!intent.rotationId) return undefined
      return current?.rotationId === intent.rotationId ? {happened: true, versionIds: moved(current.id)} : {happened: false}
    case 'retire':
    case 'destroy':
    case 'rollback': {
      if (!listed) return undefined
      const version = snapshot.versions.find((v) => v.id === listed)
      return {happened: !version || !version.enabled || version.destroyed}
    }
    case 'adopt':
      return {happened: snapshot.owned}
    case 'record-promotion':
      return listed ? {happened: snapshot.meta.promotedVersion === listed} : undefined
    case 'emergency':
      return {happened: snapshot.meta.rotationId === intent.rotationId || current?.rotationId === intent.rotationId}
    default:
      return undefined
  }
}
