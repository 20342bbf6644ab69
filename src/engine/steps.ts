/**
 * The side effects of each action. Every step first looks at what the observation (made under
 * the secret's lease) says is already done, so a retried or resumed action repeats nothing.
 * Values live only in SecretValue objects and never reach the audit log or an error message.
 */
import {randomBytes} from 'node:crypto'
import type {SecretConfig, TargetRef} from '../config/types.js'
import {ConflictError, isConflict, isNotFound, NotFoundError} from '../errors/index.js'
import {generateKey} from '../keys/index.js'
import {heldGraceMeta} from '../plan/grace.js'
import {observeTarget, type TargetFacts} from '../plan/observe.js'
import {type Action, refText, type TargetObservation} from '../plan/types.js'
import {canReinstate, type RotorMeta, SecretValue, type StoreClient, type VersionInfo} from '../../providers/types.js'
import type {AuditInput} from '../audit/index.js'
import type {Verifier} from '../verify/index.js'
import {LostRaceError} from './errors.js'
import type {ValueReader} from './values.js'
import type {IssuerClient} from '../../providers/issuers/types.js'

/** What a step says about one change; the engine adds the secret, the outcome and the link. */
export type StepAudit = Omit<AuditInput, 'secret' | 'outcome' | 'intent' | 'intentRunId'>

export interface StepContext {
  secret: SecretConfig
  observations: TargetObservation[]
  client(store: string): Promise<StoreClient>
  /** An entry about something that changes no store (a verify hook's success). */
  audit(entry: StepAudit & {outcome?: AuditInput['outcome']}): Promise<void>
  /**
   * A store-changing call: an `intent` entry is on disk before `effect` starts, and an `ok` (with
   * what `done` adds, e.g. the version written) or `failed` entry linked to it after. A crash in
   * between leaves the intent open; the next run holding the lease resolves it from the stores.
   */
  change<T>(entry: StepAudit, effect: () => Promise<T>, done?: (result: T) => Partial<StepAudit>): Promise<T>
  now(): Date
  /** Called between store-changing calls; the fault tests count them. */
  checkpoint(label: string): void
  verify: Verifier
  /** Throws a LostRaceError when this run no longer holds the secret's lease. */
  confirmLease(): Promise<void>
  /** Values this run already read (`rotor sync` reads them to compare), so none is read twice. */
  values?: ValueReader
  /** The secret's issuer binding, for a secret with `issuer:` (src/engine/issuer.ts). */
  issuer?: () => Promise<IssuerClient>
}

export const newRotationId = (): string => `rot-${randomBytes(14).toString('hex')}`

export function factsFor(ctx: StepContext, target: TargetRef): TargetFacts {
  const observation = ctx.observations.find((o) => o.target.store === target.store && o.target.path === target.path)!
  return observeTarget(observation)
}

export function promotionMeta(ctx: StepContext, version: VersionInfo, graceMs: number): RotorMeta {
  const now = ctx.now()
  return {
    promotedVersion: version.id,
    promotedAt: now.toISOString(),
    graceEndsAt: new Date(now.getTime() + graceMs).toISOString(),
  }
}

export const promotionRecorded = (facts: TargetFacts, version: VersionInfo): boolean => facts.snapshot?.meta.promotedVersion === version.id

/**
 * Write `value` so it is current on `target`, creating the secret if it is missing. A version
 * this rotation wrote before (a crash, or a rollback's reinstated rotation) is made current again
 * where the store can reinstate it.
 */
export async function writeCurrent(
  ctx: StepContext,
  target: TargetRef,
  value: SecretValue,
  rotationId: string,
  graceMs: number,
  reason?: string,
  /** What is current on the target now, when this run changed it since observing. */
  currentNow?: VersionInfo,
  /** More meta for the promotion write (the primary's issuer credential ids). */
  extraMeta?: RotorMeta,
): Promise<VersionInfo> {
  const client = await ctx.client(target.store)
  const facts = currentNow ? {...factsFor(ctx, target), current: currentNow} : factsFor(ctx, target)
  const from = facts.current?.id
  const entry: StepAudit = {target, action: facts.current ? 'write' : 'create', ...(from ? {versionIds: {from}} : {}), rotationId, reason}
  const done = (v: VersionInfo): Partial<StepAudit> => ({versionIds: from ? {from, to: v.id} : {to: v.id}})
  return ctx.change(entry, async () => {
    let version = await client.writeVersion(target.path, value, {
      rotationId,
      stage: 'current',
      expectedCurrent: facts.current?.id,
      labels: ctx.secret.labels,
    })
    ctx.checkpoint(`write ${refText(target)}`)
    if (version.role === 'pending' && facts.current) {
      // writeVersion is idempotent per rotation: it handed back the version this rotation staged.
      await client.promote(target.path, {rotationId, versionId: version.id, expectedCurrent: facts.current.id})
      ctx.checkpoint(`promote ${refText(target)}`)
      version = {...version, role: 'current'}
    } else if (version.role !== 'current') {
      // Or one it wrote before and that is no longer current (a rollback's reinstated rotation).
      if (!canReinstate(client) || !facts.current) {
        throw new ConflictError(`${refText(target)} holds rotation ${rotationId} as a ${version.role} version and cannot make it current again`, {
          ref: refText(target),
          hint: 'rotate the secret (`rotor rotate`) to give every target a fresh value',
        })
      }
      await client.reinstate(target.path, version.id, facts.current.id)
      ctx.checkpoint(`reinstate ${refText(target)}`)
      version = {...version, role: 'current'}
    }
    // The demoted previous version keeps its window (src/plan/grace.ts).
    await client.setMeta(target.path, {...heldGraceMeta(facts, ctx.now()), ...promotionMeta(ctx, version, graceMs), ...extraMeta})
    ctx.checkpoint(`meta ${refText(target)}`)
    return version
  }, done)
}

/** Values of the primary's readable versions; one rolled back earlier in this run is skipped. */
async function existingValues(ctx: StepContext): Promise<SecretValue[]> {
  const primary = factsFor(ctx, ctx.secret.targets[0])
  const client = await ctx.client(ctx.secret.targets[0].store)
  const versions = [primary.current, primary.previous, primary.pending].filter((v): v is VersionInfo => v !== undefined)
  const values = await Promise.all(
    versions.map((v) =>
      client.readValue(ctx.secret.targets[0].path, {versionId: v.id}).catch((error: unknown) => {
        if (isNotFound(error)) return undefined
        throw error
      }),
    ),
  )
  return values.filter((v): v is SecretValue => v !== undefined)
}

/** A fresh value under the secret's policy that equals none of the primary's readable versions. */
export async function mint(ctx: StepContext): Promise<SecretValue> {
  const existing = await existingValues(ctx)
  const {value} = generateKey(ctx.secret.generator, {avoid: (candidate) => existing.some((e) => e.reveal() === candidate)})
  return new SecretValue(value)
}

export async function runCreate(ctx: StepContext): Promise<void> {
  // No verify here: there is no old value to keep, and nothing a service could know the new one by.
  const rotationId = newRotationId()
  let value: SecretValue
  let extraMeta: RotorMeta | undefined
  if (ctx.secret.issuer) {
    // The issuer accepts (or mints) it first and must take it before any store holds it.
    const {issueCredential, checkAtIssuer, promotedIssuerMeta} = await import('./issuer.js')
    const issued = await issueCredential(ctx, rotationId)
    await checkAtIssuer(ctx, issued.value, rotationId)
    value = issued.value
    extraMeta = await promotedIssuerMeta(ctx, issued.id)
  } else {
    value = await mint(ctx)
  }
  const [primary, ...others] = ctx.secret.targets
  try {
    await writeCurrent(ctx, primary, value, rotationId, ctx.secret.graceMs, undefined, undefined, extraMeta)
  } catch (error) {
    // "Must not exist yet" is the creation's conditional write: another run created it first.
    if (isConflict(error)) throw new LostRaceError(`another run created ${refText(primary)} first`, {ref: refText(primary), cause: error})
    throw error
  }
  for (const target of others) await writeCurrent(ctx, target, value, rotationId, ctx.secret.graceMs)
}

export async function runAdopt(ctx: StepContext, target: TargetRef): Promise<void> {
  const client = await ctx.client(target.store)
  await ctx.change({target, action: 'adopt'}, async () => {
    await client.adopt(target.path)
    ctx.checkpoint(`adopt ${refText(target)}`)
  })
}

export async function runRepair(ctx: StepContext, action: Extract<Action, {kind: 'repair'}>): Promise<void> {
  const primary = ctx.secret.targets[0]
  const primaryFacts = factsFor(ctx, primary)
  if (!primaryFacts.current) throw new NotFoundError(`primary ${refText(primary)} has no current version`)
  const read = (versionId: string) =>
    ctx.values ? ctx.values.read(primary, versionId) : ctx.client(primary.store).then((c) => c.readValue(primary.path, {versionId}))
  let graceMs = ctx.secret.graceMs
  let currentNow: VersionInfo | undefined
  if (action.previous) {
    // The primary's previous value stays valid on the target exactly as long as on the primary.
    const ends = primaryFacts.graceEndsAt?.getTime()
    graceMs = ends === undefined ? ctx.secret.graceMs : Math.max(0, ends - ctx.now().getTime())
    const previous = await read(action.previous.versionId)
    currentNow = await writeCurrent(ctx, action.target, previous, action.previous.rotationId ?? newRotationId(), graceMs, `${action.problem}: the primary's previous value, in grace`)
  }
  const value = await read(primaryFacts.current.id)
  const rotationId = action.writeAs ?? primaryFacts.current.rotationId ?? newRotationId()
  await writeCurrent(ctx, action.target, value, rotationId, graceMs, action.reason ?? `repair: ${action.problem}`, currentNow)
}

export async function runRecordPromotion(ctx: StepContext, action: Extract<Action, {kind: 'record-promotion'}>): Promise<void> {
  const client = await ctx.client(action.target.store)
  const facts = factsFor(ctx, action.target)
  const rotationId = facts.current?.rotationId
  await ctx.change({target: action.target, action: 'record-promotion', versionIds: [action.versionId], ...(rotationId ? {rotationId} : {})}, async () => {
    await client.setMeta(action.target.path, promotionMeta(ctx, facts.current!, ctx.secret.graceMs))
    ctx.checkpoint(`meta ${refText(action.target)}`)
  })
}

/** Finishes the promotion of the current version: adapters' promote removes what a cut left on it. */
export async function runCleanUp(ctx: StepContext, action: Extract<Action, {kind: 'clean-up'}>): Promise<void> {
  const client = await ctx.client(action.target.store)
  const current = factsFor(ctx, action.target).current
  const rotationId = current?.rotationId
  // Intent before the store call, outcome after, like every other change.
  await ctx.change({target: action.target, action: 'clean-up', versionIds: [action.versionId], reason: action.detail, ...(rotationId ? {rotationId} : {})}, async () => {
    await client.promote(action.target.path, {rotationId: rotationId ?? '', versionId: action.versionId, expectedCurrent: action.versionId})
    ctx.checkpoint(`clean-up ${refText(action.target)}`)
  })
}

export async function runRetire(ctx: StepContext, action: Extract<Action, {kind: 'retire' | 'rollback-pending'}>): Promise<void> {
  const client = await ctx.client(action.target.store)
  const mode = action.kind === 'retire' ? action.mode : 'disable'
  // The version's own rotation id, so every version's history can be followed by its rotation.
  const rotationId =
    action.kind === 'rollback-pending' ? action.rotationId : factsFor(ctx, action.target).snapshot?.versions.find((v) => v.id === action.versionId)?.rotationId
  await ctx.change(
    {
      target: action.target,
      action: action.kind === 'retire' ? (mode === 'destroy' ? 'destroy' : 'retire') : 'rollback',
      versionIds: [action.versionId],
      ...(rotationId ? {rotationId} : {}),
    },
    async () => {
      await client.retire(action.target.path, action.versionId, mode)
      ctx.checkpoint(`retire ${refText(action.target)}`)
    },
  )
}
