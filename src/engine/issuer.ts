/**
 * The issuer's share of a run (providers/issuers, docs/issuers.md): every issuer call is preceded
 * by an intent on the primary's meta and in the audit log (ctx.change), so a kill at any point
 * leaves a record the next run recovers from. Ids of the credentials the stores hold live in the
 * primary's meta (ISSUER_META), so no run reads a value to know them.
 */
import type {AuditEntry} from '../audit/types.js'
import {AuthError, ConflictError, InvalidRequestError, isRotorError} from '../errors/index.js'
import {ISSUER_META, issuerFacts, type IssuerFacts, listedText} from '../plan/issuer.js'
import {type Action, refText, type TargetObservation} from '../plan/types.js'
import type {IssuerClient} from '../../providers/issuers/types.js'
import type {RotorMeta, SecretValue} from '../../providers/types.js'
import {factsFor, mint, type StepContext} from './steps.js'

export function issuerOf(ctx: StepContext): Promise<IssuerClient> {
  if (!ctx.issuer) throw new TypeError(`secret ${ctx.secret.name} has no issuer in this run`)
  return ctx.issuer()
}

export function currentIssuerFacts(ctx: StepContext): IssuerFacts {
  return issuerFacts(ctx.secret, primaryObservation(ctx))!
}

function primaryObservation(ctx: StepContext): TargetObservation | undefined {
  const primary = ctx.secret.targets[0]
  return ctx.observations.find((o) => o.target.store === primary.store && o.target.path === primary.path)
}

/**
 * Writes `patch` on the primary's meta and into this run's observation of it, so the steps after
 * it in the same run (a revoke before a rotation) see the credentials as they are now.
 */
export async function setIssuerMeta(ctx: StepContext, patch: RotorMeta, label = 'issuer-meta'): Promise<void> {
  const primary = ctx.secret.targets[0]
  await (await ctx.client(primary.store)).setMeta(primary.path, patch)
  ctx.checkpoint(`${label} ${refText(primary)}`)
  noteIssuerMeta(ctx, patch)
}

/** Updates this run's observation of the primary's meta after a write that carried `patch`. */
export function noteIssuerMeta(ctx: StepContext, patch: RotorMeta): void {
  const snapshot = primaryObservation(ctx)?.snapshot
  if (!snapshot) return
  const meta = {...snapshot.meta}
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete meta[key]
    else meta[key] = value
  }
  snapshot.meta = meta
}

const clearedIntent: RotorMeta = {
  [ISSUER_META.intent]: undefined,
  [ISSUER_META.intentId]: undefined,
  [ISSUER_META.intentAt]: undefined,
  [ISSUER_META.intentListed]: undefined,
}

/** The credential id the primary's current value holds: from meta, else from the value itself. */
async function currentCredential(ctx: StepContext, client: IssuerClient, facts: IssuerFacts): Promise<string | undefined> {
  if (facts.current) return facts.current
  const primary = ctx.secret.targets[0]
  const current = factsFor(ctx, primary).current
  if (!current) return undefined
  const value = await (await ctx.client(primary.store)).readValue(primary.path, {versionId: current.id})
  if (!value.fields()) return undefined
  try {
    return client.credentialId(value)
  } catch {
    return undefined
  }
}

export interface IssuedCredential {
  id: string
  value: SecretValue
}

/**
 * Steps 1 and 2: record the intent (primary meta + audit), then accept a generated value or mint.
 * `keep` is what the stores hold: the current credential and, for an issuer with two slots, the
 * previous one still in grace.
 */
export async function issueCredential(ctx: StepContext, rotationId: string): Promise<IssuedCredential> {
  const client = await issuerOf(ctx)
  const facts = currentIssuerFacts(ctx)
  const primary = ctx.secret.targets[0]
  const current = await currentCredential(ctx, client, facts)
  const keep = client.capabilities.maxValid === 2 ? [current, facts.previous].filter((id): id is string => id !== undefined) : []
  const nextId = client.nextId(keep)
  const where = `at issuer ${facts.issuer}`
  const exists = factsFor(ctx, primary).snapshot?.exists === true
  if (exists) {
    // A minted credential's id exists only after the call: what the issuer listed before it (this
    // run's observation) lets recovery tell the call's credential from any other, whatever the clocks say.
    const listed = nextId === undefined && facts.credentials ? listedText(facts.credentials.map((c) => c.id)) : undefined
    const intent: RotorMeta = {
      [ISSUER_META.intent]: rotationId,
      [ISSUER_META.intentId]: nextId ?? '',
      [ISSUER_META.intentAt]: ctx.now().toISOString(),
      [ISSUER_META.intentListed]: listed,
    }
    await ctx.change({target: primary, action: 'issuer-intent', rotationId, reason: `issue ${where}${nextId ? ` into credential ${nextId}` : ''}`}, () =>
      setIssuerMeta(ctx, intent, 'issuer-intent'),
    )
  }
  const secret = client.capabilities.accepts ? await mint(ctx) : undefined
  const issued = await ctx.change(
    {target: primary, action: 'issue', rotationId, reason: `${where}${nextId ? `: credential ${nextId}` : ''}`},
    async () => {
      const result = await client.issue({rotationId, keep, ...(secret ? {secret} : {})})
      ctx.checkpoint(`issue ${facts.issuer}`)
      return result
    },
    (result) => ({reason: `${where}: credential ${result.id}`}),
  )
  return {id: issued.id, value: issued.value}
}

/** The meta the primary's promotion writes: the new current credential, the old one as previous, intent cleared. */
export async function promotedIssuerMeta(ctx: StepContext, newId: string): Promise<RotorMeta> {
  const client = await issuerOf(ctx)
  const facts = currentIssuerFacts(ctx)
  // Recorded already (a run that stopped after the primary's promotion write): keep what it says.
  if (facts.current === newId) return {...clearedIntent}
  const old = await currentCredential(ctx, client, facts)
  const previous = client.capabilities.maxValid === 2 && old !== undefined && old !== newId ? old : undefined
  return {
    ...clearedIntent,
    [ISSUER_META.current]: newId,
    [ISSUER_META.previous]: previous,
    // The slot the new credential took is no longer an inactive one waiting to be deleted.
    ...(facts.inactive?.id === newId ? {[ISSUER_META.inactive]: undefined, [ISSUER_META.deleteAt]: undefined} : {}),
  }
}

/** Step 3's check at the issuer: the staged value must log in there before anything is promoted. */
export async function checkAtIssuer(ctx: StepContext, value: SecretValue, rotationId: string): Promise<void> {
  const client = await issuerOf(ctx)
  await client.check(value)
  await ctx.audit({action: 'issuer-check', rotationId, reason: `accepted at issuer ${client.issuerName}`})
}

/** Step 5 (and recovery): make a credential stop working, then record it on the primary. */
export async function revokeCredential(
  ctx: StepContext,
  id: string,
  mode: 'deactivate' | 'delete',
  why: string,
  rotationId?: string,
): Promise<void> {
  const client = await issuerOf(ctx)
  const facts = currentIssuerFacts(ctx)
  if (id === facts.current) {
    throw new ConflictError(`refusing to revoke credential ${id} at issuer ${facts.issuer}: the stores hold it as current`, {
      hint: 'run `rotor status` to see which credential each store holds',
    })
  }
  const deactivate = mode === 'deactivate' && client.capabilities.deactivates
  const primary = ctx.secret.targets[0]
  await ctx.change(
    {target: primary, action: deactivate ? 'deactivate' : 'revoke', ...(rotationId ? {rotationId} : {}), reason: `credential ${id} at issuer ${facts.issuer}: ${why}`},
    async () => {
      await client.revoke(id, deactivate ? 'deactivate' : 'delete')
      ctx.checkpoint(`revoke ${facts.issuer}`)
    },
  )
  const patch: RotorMeta = {}
  if (facts.previous === id) patch[ISSUER_META.previous] = undefined
  if (deactivate) {
    patch[ISSUER_META.inactive] = id
    patch[ISSUER_META.deleteAt] = new Date(ctx.now().getTime() + (ctx.secret.issuer?.deleteAfterMs ?? 0)).toISOString()
  } else if (facts.inactive?.id === id) {
    patch[ISSUER_META.inactive] = undefined
    patch[ISSUER_META.deleteAt] = undefined
  }
  if (Object.keys(patch).length > 0) await setIssuerMeta(ctx, patch)
}

const WHY: Record<Extract<Action, {kind: 'revoke'}>['why'], string> = {
  'grace-ended': 'its grace window ended and the stores retired it',
  'delete-after': 'its deleteAfter window ended',
  'before-rotation': 'retired; the new credential needs its slot',
  emergency: 'emergency rotation',
}

export function runRevoke(ctx: StepContext, action: Extract<Action, {kind: 'revoke'}>): Promise<void> {
  return revokeCredential(ctx, action.credentialId, action.mode, WHY[action.why])
}

/** Step 6: an issuer call no store recorded: revoke what it left, clear the intent. */
export async function runIssuerRecover(ctx: StepContext, action: Extract<Action, {kind: 'issuer-recover'}>): Promise<void> {
  for (const id of action.revoke) {
    await revokeCredential(ctx, id, 'delete', `no store holds it: rotation ${action.rotationId} stopped before storing it`, action.rotationId)
  }
  const primary = ctx.secret.targets[0]
  const unrecorded = primaryObservation(ctx)?.issuer?.unrecorded
  if (factsFor(ctx, primary).snapshot?.exists !== true && unrecorded?.length) {
    // No primary to hold the intent: close the crashed runs' `issue` entries in the log instead,
    // only now that what they minted is revoked (a kill before this leaves them open for the next run).
    for (const intent of unrecorded) {
      await ctx.audit({
        target: primary,
        action: 'issue',
        rotationId: intent.rotationId,
        reason: `resolved: run ${intent.runId} stopped after its issuer call (entry ${intent.seq}) before any store held its credential; recovery revoked what it left at issuer ${action.issuer}`,
        outcome: 'failed',
        error: 'not stored: the run stopped first',
        intent: intent.seq,
        intentRunId: intent.runId,
      } as Parameters<StepContext['audit']>[0])
    }
    const observation = primaryObservation(ctx)
    if (observation?.issuer) delete observation.issuer.unrecorded
    return
  }
  await ctx.change({target: primary, action: 'issuer-recover', rotationId: action.rotationId, reason: `cleared the intent at issuer ${action.issuer}`}, () =>
    setIssuerMeta(ctx, clearedIntent, 'issuer-recover'),
  )
}

/**
 * Before a secret's first creation (no primary, so no meta held the intent): the `issue` calls of
 * crashed runs the audit log holds open, whose rotation no store holds, go on the primary's
 * issuer observation, so the planner revokes what they minted before creating (docs/issuers.md).
 * Live runs' intents (`isLive`) are left alone: their creation may still write the primary.
 */
export async function noteUnrecordedIssues(secret: string, observations: TargetObservation[], log: IntentLog, isLive: (intent: AuditEntry) => boolean): Promise<void> {
  const primary = observations[0]
  if (!log.openIntents || !primary?.issuer || primary.snapshot?.exists === true) return
  const stored = (rotationId?: string) => rotationId !== undefined && observations.some((o) => o.snapshot?.versions.some((v) => v.rotationId === rotationId))
  const open = (await log.openIntents(secret)).filter(
    (i) => i.secret === secret && i.action === 'issue' && i.rotationId !== undefined && i.runId !== log.runId && !isLive(i) && !stored(i.rotationId),
  )
  if (open.length > 0) primary.issuer.unrecorded = open.map((i) => ({rotationId: i.rotationId!, at: i.time, seq: i.seq, runId: i.runId}))
}

/**
 * A rotation whose credential was issued in this run but not promoted (the check or verify
 * refused it, the lease was lost): revoke it now and clear the intent, best-effort (the next run
 * recovers what this leaves).
 */
export async function abandonIssued(ctx: StepContext, issued: IssuedCredential, rotationId: string): Promise<void> {
  try {
    await revokeCredential(ctx, issued.id, 'delete', `rotation ${rotationId} did not promote it`, rotationId)
    await setIssuerMeta(ctx, clearedIntent, 'issuer-recover')
  } catch (error) {
    if (!isRotorError(error)) throw error
  }
}

/**
 * `rotor rollback`: the previous value must still log in at the issuer. Reactivated where the
 * issuer deactivated it (and can undo that), refused with a clear reason otherwise.
 */
export async function prepareIssuerRollback(ctx: StepContext, previous: SecretValue, currentValue: SecretValue): Promise<RotorMeta> {
  const client = await issuerOf(ctx)
  const facts = currentIssuerFacts(ctx)
  const previousId = client.credentialId(previous)
  try {
    await client.check(previous)
  } catch (error) {
    if (!(error instanceof AuthError) || !client.capabilities.deactivates || !client.reactivate) {
      throw new InvalidRequestError(`the previous credential ${previousId} no longer works at issuer ${facts.issuer}; rolling back would give consumers a refused credential`, {
        hint: `rotate instead: \`rotor rotate ${ctx.secret.name}\``,
        cause: error,
      })
    }
    const primary = ctx.secret.targets[0]
    await ctx.change({target: primary, action: 'reactivate', reason: `credential ${previousId} at issuer ${facts.issuer}: rollback`}, async () => {
      await client.reactivate!(previousId)
      ctx.checkpoint(`reactivate ${facts.issuer}`)
    })
    await client.check(previous)
  }
  const currentId = client.credentialId(currentValue)
  return {
    [ISSUER_META.current]: previousId,
    [ISSUER_META.previous]: client.capabilities.maxValid === 2 && currentId !== previousId ? currentId : undefined,
    ...(facts.inactive?.id === previousId ? {[ISSUER_META.inactive]: undefined, [ISSUER_META.deleteAt]: undefined} : {}),
  }
}

/**
 * `rotor restore`: the primary's meta went with its value, so the ids of the credentials the
 * restored values hold are learnt from the values themselves (credentialId is pure), and written
 * back, so the next rotation keeps the current one and the run after grace revokes the previous.
 * Skipped when the primary already says so (a rerun after a kill).
 */
export async function restoreIssuerMeta(ctx: StepContext, read: (versionId: string) => Promise<SecretValue>, current: string, previous?: string): Promise<void> {
  const client = await issuerOf(ctx)
  const facts = currentIssuerFacts(ctx)
  const idOf = async (versionId: string): Promise<string | undefined> => {
    try {
      return client.credentialId(await read(versionId))
    } catch (error) {
      if (!isRotorError(error)) throw error
      return undefined
    }
  }
  const currentId = await idOf(current)
  if (currentId === undefined) return
  const previousId = previous !== undefined && client.capabilities.maxValid === 2 ? await idOf(previous) : undefined
  const keptPrevious = previousId !== currentId ? previousId : undefined
  if (facts.current === currentId && facts.previous === keptPrevious && !facts.intent) return
  await setIssuerMeta(ctx, {...clearedIntent, [ISSUER_META.current]: currentId, [ISSUER_META.previous]: keptPrevious}, 'issuer-meta')
}

const ISSUER_ACTIONS = new Set(['issuer-intent', 'issue', 'revoke', 'deactivate', 'reactivate', 'issuer-recover'])

interface IntentLog {
  runId?: string
  append(input: import('../audit/types.js').AuditInput): Promise<unknown>
  openIntents?(secret?: string): Promise<AuditEntry[]>
}

/**
 * Closes the issuer intents a crashed run left open (src/audit/resolve.ts judges store changes
 * only), judged from the primary's meta, the stores' rotations and the issuer's listing.
 */
export async function resolveIssuerIntents(secret: string, observations: TargetObservation[], log: IntentLog, isLive: (intent: AuditEntry) => boolean = () => false): Promise<void> {
  const primary = observations[0]
  if (!log.openIntents || !primary?.issuer) return
  const open = (await log.openIntents(secret)).filter((i) => i.secret === secret && i.runId !== log.runId && ISSUER_ACTIONS.has(i.action) && !isLive(i))
  if (open.length === 0) return
  const meta = primary.snapshot?.meta ?? {}
  const stored = (rotationId?: string) => rotationId !== undefined && observations.some((o) => o.snapshot?.versions.some((v) => v.rotationId === rotationId))
  const listed = (id: string | undefined) => primary.issuer?.credentials?.find((c) => c.id === id)
  for (const intent of open) {
    const credential = /credential (\S+)/.exec(intent.reason ?? '')?.[1]
    let happened: boolean
    switch (intent.action) {
      case 'issuer-intent':
        happened = meta[ISSUER_META.intent] === intent.rotationId || stored(intent.rotationId)
        break
      case 'issue':
        happened = stored(intent.rotationId) || listed(credential)?.state === 'active'
        break
      case 'revoke':
        happened = listed(credential)?.state !== 'active'
        break
      case 'deactivate':
        happened = listed(credential)?.state !== 'active'
        break
      case 'reactivate':
        happened = listed(credential)?.state === 'active'
        break
      default:
        happened = meta[ISSUER_META.intent] !== intent.rotationId
    }
    await log.append({
      secret,
      ...(intent.target ? {target: intent.target} : {}),
      action: intent.action,
      ...(intent.rotationId ? {rotationId: intent.rotationId} : {}),
      reason: `resolved: run ${intent.runId} stopped after its intent (entry ${intent.seq}); the issuer and the primary's meta show the change ${happened ? 'happened' : 'did not happen'}`,
      outcome: happened ? 'ok' : 'failed',
      ...(happened ? {} : {error: 'not done: the run stopped first'}),
      intent: intent.seq,
      intentRunId: intent.runId,
    })
  }
}
