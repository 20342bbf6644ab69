/**
 * `rotor copy --from store:path --to store:path,...`: a one-off copy or migration. It is a sync of
 * an ad-hoc secret whose primary is the source, so the same rules hold: only what differs is
 * written, a destination another tool owns is refused unless adopted, every write goes through
 * the engine (lease, conditional writes) and into the audit log, and the source is only read.
 */
import type {RotorConfig, SecretConfig, TargetRef} from '../config/types.js'
import {UsageError} from '../errors/index.js'
import {DEFAULT_POLICY} from '../keys/types.js'
import {refText} from '../plan/types.js'

const DAY = 86_400_000

export function parseRef(text: string, flag: string): TargetRef {
  const at = text.indexOf(':')
  if (at <= 0 || at === text.length - 1) throw new UsageError(`${flag}: "${text}" is not store:path, e.g. aws:payments/api-key`)
  return {store: text.slice(0, at), path: text.slice(at + 1)}
}

/**
 * The ad-hoc secret. Its grace window (how long a destination's old value stays valid) is that of
 * the configured secret the destination belongs to, else one day.
 */
export function copySecret(config: RotorConfig, from: TargetRef, to: TargetRef[], adopt: boolean): SecretConfig {
  for (const ref of [from, ...to]) {
    if (!config.stores[ref.store]) {
      throw new UsageError(`no store named "${ref.store}" in ${config.file}`, {hint: `known stores: ${Object.keys(config.stores).join(', ') || '(none)'}`})
    }
  }
  const seen = new Set<string>()
  for (const ref of [from, ...to]) {
    if (seen.has(refText(ref))) throw new UsageError(`${refText(ref)} is given twice; copy needs distinct source and destinations`)
    seen.add(refText(ref))
  }
  refuseIssued(config, from, to)
  const owner = config.secrets.find((s) => s.targets.some((t) => to.some((d) => d.store === t.store && d.path === t.path)))
  return {
    name: `copy ${refText(from)}`,
    generator: owner?.generator ?? DEFAULT_POLICY,
    graceMs: owner?.graceMs ?? DAY,
    retire: 'disable',
    labels: owner?.labels ?? {},
    adopt,
    targets: [from, ...to],
  }
}

/**
 * A secret with an issuer (docs/decisions.md, "copy and issued credentials"): its values are
 * credentials whose ids, and the revocations due, live in its primary's meta, for that one secret.
 * Copy carries none of it and writes none of its targets: a copy out would hold a credential the
 * secret's next rotation revokes, with no record of it; a copy in would put a value in place that
 * the issuer state does not describe; and carrying the state would make two primaries claim (and
 * revoke) one credential. Sources outside the config that hold such state are blocked by the
 * plan (plan/sync.ts).
 */
function refuseIssued(config: RotorConfig, from: TargetRef, to: TargetRef[]): void {
  for (const ref of [from, ...to]) {
    const secret = config.secrets.find((s) => s.issuer && s.targets.some((t) => t.store === ref.store && t.path === ref.path))
    if (!secret?.issuer) continue
    throw new UsageError(
      `${ref === from ? '--from' : '--to'} ${refText(ref)} is a target of secret ${secret.name}, whose values are credentials issued by ${secret.issuer.name}: copy does not copy issued credentials nor the issuer state that says which ones to revoke; nothing was written`,
      {hint: `to put ${secret.name} in more stores, add them to its targets in ${config.file} and run \`rotor sync ${secret.name}\` (its issuer state stays with its one primary)`},
    )
  }
}
