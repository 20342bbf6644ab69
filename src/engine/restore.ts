/**
 * `rotor restore`: the primary lost its value; another target still holds rotor's versions. The
 * source's previous version (while in grace) and then its current version are written on the
 * primary under their own rotation ids, and the source's promotion record is carried over, so
 * every target agrees again and the grace window ends when it always would have. No value is
 * minted. For a secret with an issuer, the credential ids (issuerCurrent, issuerPrevious) are
 * put back on the primary from the restored values. Each write is idempotent per rotation id and skipped when the observation shows it
 * done, so a rerun after a kill finishes the restore.
 */
import {sameRotation} from '../plan/drift.js'
import {type Action, refText} from '../plan/types.js'
import type {VersionInfo} from '../../providers/types.js'
import {factsFor, type StepContext, writeCurrent} from './steps.js'

export async function runRestore(ctx: StepContext, action: Extract<Action, {kind: 'restore'}>): Promise<void> {
  const primary = ctx.secret.targets[0]
  const facts = factsFor(ctx, primary)
  const source = await ctx.client(action.from.store)
  const reason = `restore from ${refText(action.from)}`
  const holds = (rotationId: string) => facts.current?.rotationId !== undefined && sameRotation(facts.current.rotationId, rotationId)
  // The previous value stays valid on the primary exactly as long as on the source.
  const graceMs = action.graceEndsAt ? Math.max(0, Date.parse(action.graceEndsAt) - ctx.now().getTime()) : ctx.secret.graceMs
  await ctx.confirmLease()

  let current: VersionInfo | undefined = holds(action.current.rotationId) ? facts.current : undefined
  if (!current) {
    let previousNow: VersionInfo | undefined
    if (action.previous && !holds(action.previous.rotationId)) {
      const value = await source.readValue(action.from.path, {versionId: action.previous.versionId})
      previousNow = await writeCurrent(ctx, primary, value, action.previous.rotationId, graceMs, `${reason}: the previous value, in grace`)
    }
    const value = await source.readValue(action.from.path, {versionId: action.current.versionId})
    current = await writeCurrent(ctx, primary, value, action.current.rotationId, graceMs, reason, previousNow ?? facts.current)
  }
  if (action.promotedAt) {
    const client = await ctx.client(primary.store)
    const promotedVersion = current.id
    const promotedAt = action.promotedAt
    await ctx.change({target: primary, action: 'record-promotion', versionIds: [promotedVersion], rotationId: action.current.rotationId, reason}, async () => {
      await client.setMeta(primary.path, {
        promotedVersion,
        promotedAt,
        graceEndsAt: action.graceEndsAt ?? new Date(ctx.now().getTime() + ctx.secret.graceMs).toISOString(),
      })
      ctx.checkpoint(`meta ${refText(primary)}`)
    })
  }
  if (ctx.secret.issuer) {
    // The issuer's credential ids lived in the lost primary's meta: put them back from the values.
    const {restoreIssuerMeta} = await import('./issuer.js')
    await restoreIssuerMeta(ctx, (versionId) => source.readValue(action.from.path, {versionId}), action.current.versionId, action.previous?.versionId)
  }
  await ctx.audit({target: primary, action: 'restore', versionIds: {to: current.id}, rotationId: action.current.rotationId, reason})
}
