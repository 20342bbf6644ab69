/**
 * The side effects of each action. Every step first looks at what the inventory (or an earlier
 * step of this run) says is already done, so a retried or resumed action repeats nothing.
 * Values live only in SecretValue objects and never reach the audit log or an error message.
 */
import {randomBytes} from 'node:crypto'
import type {SecretConfig, TargetRef} from '../config/types.js'
import {NotFoundError} from '../errors/index.js'
import {generateKey} from '../keys/index.js'
import {observeTarget, type TargetFacts} from '../plan/observe.js'
import {type Action, refText, type TargetObservation} from '../plan/types.js'
import {type RotorMeta, SecretValue, type StoreClient, type VersionInfo} from '../../providers/types.js'
import type {AuditInput} from '../audit/index.js'

export interface StepContext {
  secret: SecretConfig
  observations: TargetObservation[]
  client(store: string): Promise<StoreClient>
  audit(entry: Omit<AuditInput, 'secret' | 'outcome'> & {outcome?: AuditInput['outcome']}): Promise<void>
  now(): Date
  /** Called between store-changing calls; the fault tests count them. */
  checkpoint(label: string): void
}

export const newRotationId = (): string => `rot-${randomBytes(14).toString('hex')}`

function factsFor(ctx: StepContext, target: TargetRef): TargetFacts {
  const observation = ctx.observations.find((o) => o.target.store === target.store && o.target.path === target.path)!
  return observeTarget(observation)
}

function promotionMeta(ctx: StepContext, version: VersionInfo, graceMs: number): RotorMeta {
  const now = ctx.now()
  return {
    promotedVersion: version.id,
    promotedAt: now.toISOString(),
    graceEndsAt: new Date(now.getTime() + graceMs).toISOString(),
  }
}

/** Write `value` so it is current on `target`, creating the secret if it is missing. */
async function writeCurrent(ctx: StepContext, target: TargetRef, value: SecretValue, rotationId: string, graceMs: number, reason?: string) {
  const client = await ctx.client(target.store)
  const facts = factsFor(ctx, target)
  const version = await client.writeVersion(target.path, value, {
    rotationId,
    stage: 'current',
    expectedCurrent: facts.current?.id,
    labels: ctx.secret.labels,
  })
  ctx.checkpoint(`write ${refText(target)}`)
  await client.setMeta(target.path, promotionMeta(ctx, version, graceMs))
  ctx.checkpoint(`meta ${refText(target)}`)
  await ctx.audit({target, action: facts.current ? 'write' : 'create', versionIds: {from: facts.current?.id, to: version.id}, rotationId, reason})
  return version
}

async function existingValues(ctx: StepContext): Promise<SecretValue[]> {
  const primary = factsFor(ctx, ctx.secret.targets[0])
  const client = await ctx.client(ctx.secret.targets[0].store)
  const versions = [primary.current, primary.previous, primary.pending].filter((v): v is VersionInfo => v !== undefined)
  return Promise.all(versions.map((v) => client.readValue(ctx.secret.targets[0].path, {versionId: v.id})))
}

/** A fresh value under the secret's policy that equals none of the primary's readable versions. */
async function mint(ctx: StepContext): Promise<SecretValue> {
  const existing = await existingValues(ctx)
  const {value} = generateKey(ctx.secret.generator, {avoid: (candidate) => existing.some((e) => e.reveal() === candidate)})
  return new SecretValue(value)
}

export async function runCreate(ctx: StepContext): Promise<void> {
  const value = await mint(ctx)
  const rotationId = newRotationId()
  for (const target of ctx.secret.targets) await writeCurrent(ctx, target, value, rotationId, ctx.secret.graceMs)
}

export async function runAdopt(ctx: StepContext, target: TargetRef): Promise<void> {
  await (await ctx.client(target.store)).adopt(target.path)
  ctx.checkpoint(`adopt ${refText(target)}`)
  await ctx.audit({target, action: 'adopt'})
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

export async function runRotate(ctx: StepContext, action: Extract<Action, {kind: 'rotate'}>): Promise<void> {
  const rotationId = action.resume ?? newRotationId()
  const value = action.resume ? await resumedValue(ctx, rotationId) : await mint(ctx)
  const graceMs = action.emergency ? 0 : ctx.secret.graceMs
  const reason = action.note ? `${action.reason}: ${action.note}` : action.reason
  const staged = new Map<TargetRef, VersionInfo>()

  // Stage on every target that can hold a pending version, primary first, so the new value is
  // stored before anything depends on it.
  try {
    for (const target of ctx.secret.targets) {
      const client = await ctx.client(target.store)
      const facts = factsFor(ctx, target)
      if (!client.capabilities.pendingStage || !facts.current || facts.current.rotationId === rotationId) continue
      if (facts.pending?.rotationId === rotationId) {
        staged.set(target, facts.pending)
        continue
      }
      const version = await client.writeVersion(target.path, value, {rotationId, stage: 'pending', expectedCurrent: facts.current.id})
      ctx.checkpoint(`stage ${refText(target)}`)
      staged.set(target, version)
      await ctx.audit({target, action: 'stage', versionIds: {to: version.id}, rotationId, reason})
    }
  } catch (error) {
    await rollBackStaged(ctx, staged, rotationId)
    throw error
  }

  // Promote: from here on a failure rolls forward on the next run.
  for (const target of ctx.secret.targets) {
    const client = await ctx.client(target.store)
    const facts = factsFor(ctx, target)
    if (facts.current?.rotationId === rotationId) continue
    const pending = staged.get(target)
    if (pending && facts.current) {
      await client.promote(target.path, {rotationId, versionId: pending.id, expectedCurrent: facts.current.id})
      ctx.checkpoint(`promote ${refText(target)}`)
      await client.setMeta(target.path, promotionMeta(ctx, pending, graceMs))
      ctx.checkpoint(`meta ${refText(target)}`)
      await ctx.audit({target, action: 'promote', versionIds: {from: facts.current.id, to: pending.id}, rotationId, reason})
    } else {
      await writeCurrent(ctx, target, value, rotationId, graceMs, reason)
    }
  }

  if (action.emergency) {
    // A leaked value must stop working now: retire everything but the new current version.
    for (const target of ctx.secret.targets) {
      const client = await ctx.client(target.store)
      const snapshot = await client.describe(target.path)
      for (const v of snapshot.versions) {
        if (v.role === 'current' || !v.enabled || v.destroyed) continue
        await client.retire(target.path, v.id, ctx.secret.retire)
        ctx.checkpoint(`retire ${refText(target)}`)
        await ctx.audit({target, action: 'retire', versionIds: [v.id], rotationId, reason})
      }
    }
  }
}

async function rollBackStaged(ctx: StepContext, staged: Map<TargetRef, VersionInfo>, rotationId: string): Promise<void> {
  for (const [target, version] of staged) {
    try {
      await (await ctx.client(target.store)).retire(target.path, version.id, 'disable')
      await ctx.audit({target, action: 'rollback', versionIds: [version.id], rotationId})
    } catch {
      // Left for the next run: the planner rolls back any pending version nobody promoted.
    }
  }
}

export async function runRepair(ctx: StepContext, action: Extract<Action, {kind: 'repair'}>): Promise<void> {
  const primary = ctx.secret.targets[0]
  const primaryFacts = factsFor(ctx, primary)
  if (!primaryFacts.current) throw new NotFoundError(`primary ${refText(primary)} has no current version`)
  const value = await (await ctx.client(primary.store)).readValue(primary.path, {versionId: primaryFacts.current.id})
  await writeCurrent(ctx, action.target, value, primaryFacts.current.rotationId ?? newRotationId(), ctx.secret.graceMs, `repair: ${action.problem}`)
}

export async function runRecordPromotion(ctx: StepContext, action: Extract<Action, {kind: 'record-promotion'}>): Promise<void> {
  const client = await ctx.client(action.target.store)
  const facts = factsFor(ctx, action.target)
  await client.setMeta(action.target.path, promotionMeta(ctx, facts.current!, ctx.secret.graceMs))
  ctx.checkpoint(`meta ${refText(action.target)}`)
  await ctx.audit({target: action.target, action: 'record-promotion', versionIds: [action.versionId]})
}

export async function runRetire(ctx: StepContext, action: Extract<Action, {kind: 'retire' | 'rollback-pending'}>): Promise<void> {
  const client = await ctx.client(action.target.store)
  const mode = action.kind === 'retire' ? action.mode : 'disable'
  await client.retire(action.target.path, action.versionId, mode)
  ctx.checkpoint(`retire ${refText(action.target)}`)
  await ctx.audit({
    target: action.target,
    action: action.kind === 'retire' ? (mode === 'destroy' ? 'destroy' : 'retire') : 'rollback',
    versionIds: [action.versionId],
    rotationId: action.kind === 'rollback-pending' ? action.rotationId : undefined,
  })
}
