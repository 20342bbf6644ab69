/**
 * One rotation, in the steps of DESIGN.md: stage the new value as pending on every target that
 * can hold one (primary first), verify it, check the lease, promote (writing it on targets that
 * cannot stage), and for an emergency retire every older version at once. Each step skips what
 * the observation shows done, so the same code finishes a rotation an earlier run left half done.
 */
import type {TargetRef} from '../config/types.js'
import {isConflict, NotFoundError} from '../errors/index.js'
import {META} from '../plan/observe.js'
import {type Action, refText} from '../plan/types.js'
import type {RotorMeta, SecretValue, VersionInfo} from '../../providers/types.js'
import {isAuditError} from '../audit/errors.js'
import {LostRaceError} from './errors.js'
import {factsFor, mint, newRotationId, promotionMeta, promotionRecorded, type StepContext, writeCurrent} from './steps.js'

export interface RotationSpec {
  rotationId: string
  value: SecretValue
  graceMs: number
  emergency: boolean
  reason: string
  /** Run the secret's verify hook before promoting (skipped once any target promoted). */
  verify: boolean
  /** A secret with an issuer: the staged value must log in there before promotion (skipped once any target promoted). */
  issuerCheck?: boolean
  /** More meta for the primary's promotion write (its issuer credential ids, the intent cleared). */
  primaryMeta?: RotorMeta
}

export async function runRotate(ctx: StepContext, action: Extract<Action, {kind: 'rotate'}>): Promise<void> {
  const rotationId = action.resume ?? newRotationId()
  const spec = {
    rotationId,
    graceMs: action.emergency ? 0 : ctx.secret.graceMs,
    emergency: action.emergency,
    reason: action.note ? `${action.reason}: ${action.note}` : action.reason,
    verify: true,
  }
  if (ctx.secret.issuer) {
    await rotateAtIssuer(ctx, spec, action.resume !== undefined)
    return
  }
  const value = action.resume ? await resumedValue(ctx, rotationId) : await mint(ctx)
  await rotateWith(ctx, {...spec, value})
}

/**
 * A rotation of a secret with an issuer (docs/issuers.md): intent, issue (or, resuming, the value
 * already staged), stage, check at the issuer + verify, promote with the credential ids in the
 * primary's meta. An emergency deletes the old credential at once.
 */
async function rotateAtIssuer(ctx: StepContext, spec: Omit<RotationSpec, 'value'>, resume: boolean): Promise<void> {
  const {abandonIssued, issueCredential, issuerOf, noteIssuerMeta, promotedIssuerMeta, revokeCredential, currentIssuerFacts} = await import('./issuer.js')
  const {rotationId} = spec
  // An emergency is recorded before the issuer call, so a crash cannot make it an ordinary rotation.
  if (spec.emergency) await recordEmergency(ctx, rotationId)
  const client = await issuerOf(ctx)
  let issued: Awaited<ReturnType<typeof issueCredential>> | undefined
  let value: SecretValue
  let id: string
  if (resume) {
    value = await resumedValue(ctx, rotationId)
    id = client.credentialId(value)
  } else {
    issued = await issueCredential(ctx, rotationId)
    ;({value, id} = issued)
  }
  const old = currentIssuerFacts(ctx).current
  const primaryMeta = await promotedIssuerMeta(ctx, id)
  try {
    await rotateWith(ctx, {...spec, value, issuerCheck: true, primaryMeta})
  } catch (error) {
    // Not promoted anywhere: the credential this run issued must not stay valid.
    const promoted = ctx.secret.targets.some((t) => factsFor(ctx, t).current?.rotationId === rotationId)
    if (issued && !promoted && !isAuditError(error)) await abandonIssued(ctx, issued, rotationId)
    throw error
  }
  // The promotion wrote primaryMeta on the primary: the revoke below must see the new credential
  // as current and the old one as previous, not this run's observation from before it.
  noteIssuerMeta(ctx, primaryMeta)
  if (spec.emergency && old !== undefined && old !== id) await revokeCredential(ctx, old, 'delete', 'emergency rotation: the old credential stops now', rotationId)
}

export async function rotateWith(ctx: StepContext, spec: RotationSpec): Promise<void> {
  const {rotationId, reason} = spec
  const primary = ctx.secret.targets[0]
  if (spec.emergency) await recordEmergency(ctx, rotationId)

  const staged = await stageAll(ctx, spec)
  const promotedSomewhere = ctx.secret.targets.some((t) => factsFor(ctx, t).current?.rotationId === rotationId)
  try {
    if (spec.issuerCheck && !promotedSomewhere) {
      const {checkAtIssuer} = await import('./issuer.js')
      await checkAtIssuer(ctx, spec.value, rotationId)
    }
    if (spec.verify && ctx.secret.verify && !promotedSomewhere) {
      await ctx.verify(ctx.secret, spec.value)
      await ctx.audit({action: 'verify', rotationId, reason})
    }
    if (!promotedSomewhere) await ctx.confirmLease()
  } catch (error) {
    await rollBackStaged(ctx, staged, rotationId, (error as Error).message)
    throw error
  }

  // Promote: from here on a failure rolls forward on the next run.
  for (const target of ctx.secret.targets) {
    const client = await ctx.client(target.store)
    const facts = factsFor(ctx, target)
    if (facts.current?.rotationId === rotationId) {
      // Promoted by an earlier run that stopped before recording when.
      if (!promotionRecorded(facts, facts.current) || (target === primary && spec.primaryMeta && !metaHolds(facts.snapshot?.meta, spec.primaryMeta))) {
        await client.setMeta(target.path, {...promotionMeta(ctx, facts.current, spec.graceMs), ...(target === primary ? spec.primaryMeta : {})})
        ctx.checkpoint(`meta ${refText(target)}`)
      }
      continue
    }
    const pending = staged.get(target)
    try {
      if (pending && facts.current) {
        const current = facts.current
        await ctx.change({target, action: 'promote', versionIds: {from: current.id, to: pending.id}, rotationId, reason}, async () => {
          await client.promote(target.path, {rotationId, versionId: pending.id, expectedCurrent: current.id})
          ctx.checkpoint(`promote ${refText(target)}`)
          await client.setMeta(target.path, {...promotionMeta(ctx, pending, spec.graceMs), ...(target === primary ? spec.primaryMeta : {})})
          ctx.checkpoint(`meta ${refText(target)}`)
        })
      } else {
        await writeCurrent(ctx, target, spec.value, rotationId, spec.graceMs, reason, undefined, target === primary ? spec.primaryMeta : undefined)
      }
    } catch (error) {
      // Losing the primary's conditional write means another run rotated first: nothing of ours is current.
      if (target === primary && !promotedSomewhere && isConflict(error)) {
        await rollBackStaged(ctx, staged, rotationId, 'another writer changed the primary first')
        throw new LostRaceError(`${refText(target)} changed while rotating: ${(error as Error).message}`, {ref: refText(target), cause: error})
      }
      throw error
    }
  }

  if (spec.emergency) await retireAllButCurrent(ctx, rotationId, reason)
}

/** Whether `meta` already says what `patch` would write (undefined: the key is absent). */
function metaHolds(meta: RotorMeta | undefined, patch: RotorMeta): boolean {
  return Object.entries(patch).every(([key, value]) => (meta?.[key] ?? undefined) === value)
}

/**
 * Written on the primary before anything else, so a crash cannot turn an emergency into an
 * ordinary rotation whose old value stays valid for a whole grace window.
 */
async function recordEmergency(ctx: StepContext, rotationId: string): Promise<void> {
  const primary = ctx.secret.targets[0]
  const meta = factsFor(ctx, primary).snapshot?.meta
  if (meta?.[META.rotationId] === rotationId && meta[META.emergency] === 'true') return
  const client = await ctx.client(primary.store)
  await ctx.change({target: primary, action: 'emergency', rotationId}, async () => {
    await client.setMeta(primary.path, {[META.rotationId]: rotationId, [META.emergency]: 'true'})
    ctx.checkpoint(`intent ${refText(primary)}`)
  })
}

async function stageAll(ctx: StepContext, spec: RotationSpec): Promise<Map<TargetRef, VersionInfo>> {
  const {rotationId, reason} = spec
  const staged = new Map<TargetRef, VersionInfo>()
  try {
    for (const target of ctx.secret.targets) {
      const client = await ctx.client(target.store)
      const facts = factsFor(ctx, target)
      if (!client.capabilities.pendingStage || !facts.current || facts.current.rotationId === rotationId) continue
      if (facts.pending?.rotationId === rotationId) {
        staged.set(target, facts.pending)
        continue
      }
      const current = facts.current
      const version = await ctx.change(
        {target, action: 'stage', versionIds: {from: current.id}, rotationId, reason},
        async () => {
          const written = await client.writeVersion(target.path, spec.value, {rotationId, stage: 'pending', expectedCurrent: current.id})
          ctx.checkpoint(`stage ${refText(target)}`)
          return written
        },
        (written) => ({versionIds: {from: current.id, to: written.id}}),
      )
      staged.set(target, version)
    }
  } catch (error) {
    await rollBackStaged(ctx, staged, rotationId, (error as Error).message)
    if (isConflict(error)) {
      throw new LostRaceError(`another writer changed the secret while staging: ${(error as Error).message}`, {ref: ctx.secret.name, cause: error})
    }
    throw error
  }
  return staged
}

/** Undo this rotation's staged versions; what fails here the next run rolls back instead. */
async function rollBackStaged(ctx: StepContext, staged: Map<TargetRef, VersionInfo>, rotationId: string, why: string): Promise<void> {
  for (const [target, version] of staged) {
    try {
      const client = await ctx.client(target.store)
      await ctx.change({target, action: 'rollback', versionIds: [version.id], rotationId, reason: why.slice(0, 500)}, async () => {
        await client.retire(target.path, version.id, 'disable')
        ctx.checkpoint(`rollback ${refText(target)}`)
      })
    } catch (error) {
      // An entry that could not be written stops the run; a store that refused is left for the
      // next run: the planner rolls back any pending version nobody promoted.
      if (isAuditError(error)) throw error
    }
  }
}

/** A leaked value must stop working now: every version but the new current one, everywhere. */
async function retireAllButCurrent(ctx: StepContext, rotationId: string, reason: string): Promise<void> {
  for (const target of ctx.secret.targets) {
    const client = await ctx.client(target.store)
    const snapshot = await client.describe(target.path)
    for (const v of snapshot.versions) {
      if (v.role === 'current' || !v.enabled || v.destroyed) continue
      await ctx.change({target, action: 'retire', versionIds: [v.id], rotationId, reason}, async () => {
        await client.retire(target.path, v.id, ctx.secret.retire)
        ctx.checkpoint(`retire ${refText(target)}`)
      })
    }
  }
  const primary = ctx.secret.targets[0]
  await (await ctx.client(primary.store)).setMeta(primary.path, {[META.rotationId]: undefined, [META.emergency]: undefined})
  ctx.checkpoint(`intent done ${refText(primary)}`)
}

/** The value an interrupted rotation staged or promoted somewhere. */
async function resumedValue(ctx: StepContext, rotationId: string): Promise<SecretValue> {
  for (const target of ctx.secret.targets) {
    const facts = factsFor(ctx, target)
    const version = [facts.current, facts.pending].find((v) => v?.rotationId === rotationId)
    if (version) return (await ctx.client(target.store)).readValue(target.path, {versionId: version.id})
  }
  throw new NotFoundError(`no target holds rotation ${rotationId} any more`, {ref: ctx.secret.name})
}
