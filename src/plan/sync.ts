/**
 * planSync(config, inventory, now, fingerprints) -> Plan for `rotor sync`: every target holds the
 * primary's current value, and its previous value while that one's grace window lasts. Pure; it
 * writes only where drift is proven (see drift.ts) and never rotates, creates or rolls back:
 * those stay with `rotor apply`, which sync tells the user to run when it meets them.
 */
import type {RotorConfig, SecretConfig} from '../config/types.js'
import {copyRotationId, detectDrift, extraVersions, type Fingerprints, holdsPrevious, previousInGrace, sameRotation} from './drift.js'
import {ISSUER_META} from './issuer.js'
import {observeSecret, observeTarget, type TargetFacts} from './observe.js'
import {type Action, type Blocker, type Inventory, type Plan, refText, type TargetObservation} from './types.js'

export interface SyncOptions {
  /**
   * `rotor copy`: the primary is a source that is only read. It may belong to another tool, a
   * rotation in flight there does not matter, and nothing is retired on any target.
   */
  copy?: boolean
  /** Audit reason of the writes. */
  reason?: string
}

export function planSync(config: RotorConfig, inventory: Inventory, now: Date, fingerprints: Fingerprints = new Map(), options: SyncOptions = {}): Plan {
  const actions: Action[] = []
  const blocked: Blocker[] = []
  for (const secret of config.secrets) {
    const observations = inventory.get(secret.name)
    if (observations) planSecretSync(secret, observations, now, fingerprints, options, {actions, blocked})
  }
  return {at: now.toISOString(), actions, blocked}
}

function planSecretSync(
  secret: SecretConfig,
  observations: TargetObservation[],
  now: Date,
  fingerprints: Fingerprints,
  options: SyncOptions,
  {actions, blocked}: {actions: Action[]; blocked: Blocker[]},
): void {
  const name = secret.name
  const facts = observeSecret(secret, observations, now)
  const block = (reason: string, hint?: string, target?: TargetFacts) =>
    blocked.push({secret: name, reason, ...(hint ? {hint} : {}), ...(target ? {target: target.target} : {})})
  const failed = facts.targets.filter((t) => t.health === 'error')
  if (failed.length > 0) {
    for (const t of failed) block(`could not read ${refText(t.target)}: ${t.detail}`, undefined, t)
    return
  }
  const issued = options.copy ? issuerStateOf(observations[0]) : undefined
  if (issued) {
    block(
      `${refText(observations[0].target)} holds the issuer state of a secret (${issued}): its value is an issued credential that the secret's rotation revokes, and copy carries neither (two stores must not claim one credential)`,
      'copy values that are not issued; to put an issuer-backed secret in more stores, add them to its targets and run `rotor sync <secret>`',
    )
    return
  }
  const unowned = facts.targets.filter((t, i) => t.health === 'unowned' && !(options.copy && i === 0))
  if (unowned.length > 0 && !secret.adopt) {
    const hint = options.copy ? 'pass --adopt to take it over and overwrite it' : 'set `adopt: true` on the secret to let rotor take it over'
    for (const t of unowned) block(`${refText(t.target)} exists but is not managed by rotor`, hint, t)
    return
  }
  const inFlight = facts.targets.some((t, i) => t.pending && !(options.copy && i === 0)) || (!options.copy && facts.intent)
  if (inFlight) {
    block('a rotation is in flight', 'run `rotor apply` to finish or undo it; sync never touches a rotation in progress')
    return
  }
  const primary = facts.primary
  if (!primary.current) {
    block(`the primary ${refText(primary.target)} has no current value`, 'run `rotor apply` to create it')
    return
  }
  for (const t of unowned) actions.push({kind: 'adopt', secret: name, target: t.target})

  const drift = detectDrift(secret, observations, now, fingerprints)
  const grace = previousInGrace(primary, now)
  drift.targets.forEach((d, i) => {
    const t = observeTarget(observations[i])
    if (d.drift.includes('unknown')) {
      block(`could not compare the values of ${refText(d.target)} and the primary`, 'run `rotor diff` to see why; sync writes nothing it cannot prove different', t)
      return
    }
    if (!d.primary && (d.drift.includes('missing') || d.drift.includes('stale'))) {
      // Write the primary's previous value first when the target does not hold it, so both the
      // value in grace and the new one work there until the window ends.
      const needPrevious = grace && primary.previous && !(t.current && holdsPrevious(t, primary, fingerprints))
      const versions = t.snapshot?.versions ?? []
      const rotationId = primary.current!.rotationId
      const writeAs = rotationId ? copyRotationId(rotationId, versions) : undefined
      const previousId = needPrevious ? primary.previous!.rotationId : undefined
      actions.push({
        kind: 'repair',
        secret: name,
        target: d.target,
        problem: d.drift.includes('missing') ? 'missing' : 'stale',
        rotationId,
        ...(writeAs && writeAs !== rotationId ? {writeAs} : {}),
        ...(options.reason ? {reason: options.reason} : {}),
        ...(needPrevious ? {previous: {versionId: primary.previous!.id, ...(previousId ? {rotationId: copyRotationId(previousId, versions)} : {})}} : {}),
      })
      // Another tool wrote over this rotation's version, which is previous now and drops out of
      // any role with the copy: its value lives on in the copy, so retire it at once.
      const overwritten = t.previous?.rotationId && rotationId && sameRotation(t.previous.rotationId, rotationId) ? t.previous : undefined
      // Not a grace question (grace.ts): the value stays valid, as the copy's current version.
      if (overwritten && !options.copy) actions.push({kind: 'retire', secret: name, target: t.target, versionId: overwritten.id, mode: 'disable'})
    }
    if (t.current && !options.copy) {
      const retiring = new Set(actions.filter((a) => a.kind === 'retire' && a.target === t.target).map((a) => (a as {versionId: string}).versionId))
      for (const v of extraVersions(t, now).filter((e) => !retiring.has(e.id))) {
        actions.push({kind: 'retire', secret: name, target: t.target, versionId: v.id, mode: secret.retire, ...(v === t.previous && t.graceEndsAt ? {graceEndedAt: t.graceEndsAt.toISOString()} : {})})
      }
    }
  })
}

/** The issuer keys (ISSUER_META) a copy's source holds in its meta, named; undefined when none. */
function issuerStateOf(source: TargetObservation | undefined): string | undefined {
  const meta = source?.snapshot?.meta ?? {}
  const held = Object.values(ISSUER_META).filter((key) => meta[key] !== undefined && meta[key] !== '')
  return held.length > 0 ? held.map((key) => `${key}=${meta[key]}`).join(', ') : undefined
}
