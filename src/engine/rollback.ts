/**
 * `rotor rollback`: the primary's previous value becomes current again on every target, and
 * the value it replaces stays valid as previous for a fresh grace window (consumers that
 * already picked it up keep working while they move back).
 *
 * Where every target can `reinstate` a version and holds the previous rotation, the old version
 * itself is made current again, so every target keeps one rotation id. Otherwise the previous
 * value is written as a new version under a new rotation id, through the ordinary rotation steps
 * (stage, promote), on every target: a crash part-way is then finished by the next `apply` like
 * any interrupted rotation. Verify is not run: the previous value was in use until the rotation.
 */
import {InvalidRequestError} from '../errors/index.js'
import {type Action, refText} from '../plan/types.js'
import {canReinstate, type Reinstating, type RotorMeta, type StoreClient, type VersionInfo} from '../../providers/types.js'
import {rotateWith} from './rotate.js'
import {factsFor, newRotationId, promotionMeta, promotionRecorded, type StepContext} from './steps.js'

const REASON = 'rollback'

export async function runRollback(ctx: StepContext, action: Extract<Action, {kind: 'rollback'}>): Promise<void> {
  const primary = ctx.secret.targets[0]
  const primaryFacts = factsFor(ctx, primary)
  const previous = primaryFacts.snapshot?.versions.find((v) => v.id === action.toVersion)
  if (!previous?.enabled) {
    throw new InvalidRequestError(`${refText(primary)} version ${action.toVersion} is no longer valid; nothing to roll back to`, {
      ref: refText(primary),
      hint: `rotate instead: \`rotor rotate ${ctx.secret.name}\``,
    })
  }
  const clients = await Promise.all(ctx.secret.targets.map((t) => ctx.client(t.store)))
  // With an issuer, the previous credential must still log in there (reactivated where it can be).
  let issuerMeta: RotorMeta | undefined
  if (ctx.secret.issuer) {
    const {prepareIssuerRollback} = await import('./issuer.js')
    const [previousValue, currentValue] = await Promise.all([
      clients[0].readValue(primary.path, {versionId: previous.id}),
      clients[0].readValue(primary.path, {versionId: action.fromVersion}),
    ])
    issuerMeta = await prepareIssuerRollback(ctx, previousValue, currentValue)
  }
  const plan = ctx.secret.targets.map((target, i) => ({target, client: clients[i], version: sameRotation(ctx, target, previous)}))
  if (plan.every((p) => canReinstate(p.client) && p.version)) {
    await ctx.confirmLease()
    for (const {target, client, version} of plan) await reinstateOn(ctx, target, client as StoreClient & Reinstating, version!, target === primary ? issuerMeta : undefined)
    return
  }
  const value = await clients[0].readValue(primary.path, {versionId: previous.id})
  await rotateWith(ctx, {rotationId: newRotationId(), value, graceMs: ctx.secret.graceMs, emergency: false, reason: REASON, verify: false, ...(issuerMeta ? {primaryMeta: issuerMeta} : {})})
}

/** The enabled version of `target` that holds the same rotation as the primary's previous one. */
function sameRotation(ctx: StepContext, target: StepContext['secret']['targets'][number], previous: VersionInfo): VersionInfo | undefined {
  if (!previous.rotationId) return target === ctx.secret.targets[0] ? previous : undefined
  return factsFor(ctx, target).snapshot?.versions.find((v) => v.rotationId === previous.rotationId && v.enabled && !v.destroyed && v.role !== 'pending')
}

async function reinstateOn(
  ctx: StepContext,
  target: StepContext['secret']['targets'][number],
  client: StoreClient & Reinstating,
  version: VersionInfo,
  extraMeta?: RotorMeta,
): Promise<void> {
  const facts = factsFor(ctx, target)
  if (facts.current?.id === version.id) {
    if (!promotionRecorded(facts, version)) {
      await client.setMeta(target.path, {...promotionMeta(ctx, version, ctx.secret.graceMs), ...extraMeta})
      ctx.checkpoint(`meta ${refText(target)}`)
    }
    return
  }
  const from = facts.current!.id
  await ctx.change(
    {target, action: 'reinstate', versionIds: {from, to: version.id}, ...(version.rotationId ? {rotationId: version.rotationId} : {}), reason: REASON},
    async () => {
      await client.reinstate(target.path, version.id, from)
      ctx.checkpoint(`reinstate ${refText(target)}`)
      await client.setMeta(target.path, {...promotionMeta(ctx, version, ctx.secret.graceMs), ...extraMeta})
      ctx.checkpoint(`meta ${refText(target)}`)
    },
  )
}
