import ansis from 'ansis'
import type {DriftKind, SecretDrift, TargetDrift} from '../plan/drift.js'
import {type Plan, refText} from '../plan/types.js'
import type {Orphan} from '../run/orphans.js'

/** What fixes one secret's drift, and the command that does it. */
export interface DriftFix {
  by: 'sync' | 'apply' | 'restore' | 'adopt' | 'read'
  command?: string
  why?: string
}

/**
 * `rotor sync` only copies the primary's values and retires extras; a missing primary value, a
 * rotation in flight, an unowned target or an unreadable store are not its to fix. The sync plan
 * says which: its actions are what sync would do, its blockers what it would refuse.
 */
export function driftFix(d: SecretDrift, syncPlan: Plan): DriftFix | undefined {
  if (!d.drift) return undefined
  const primary = d.targets.find((t) => t.primary)
  if (d.targets.some((t) => t.drift.includes('error'))) return {by: 'read', why: 'a target could not be read; fix access to its store, then run `rotor diff` again'}
  if (primary?.drift.includes('missing')) {
    const holder = d.targets.find((t) => !t.primary && t.currentVersion !== undefined)
    return holder
      ? {by: 'restore', command: `rotor restore ${d.name}`, why: `the primary has no value but ${refText(holder.target)} holds one; restore it instead of minting a new value`}
      : {by: 'apply', command: 'rotor apply', why: 'no target holds a value; apply creates it'}
  }
  const blocker = syncPlan.blocked.find((b) => b.secret === d.name)
  if (blocker) {
    if (blocker.reason.includes('not managed by rotor')) return {by: 'adopt', why: blocker.hint ?? blocker.reason}
    return {by: 'apply', command: 'rotor apply', why: blocker.reason}
  }
  if (syncPlan.actions.some((a) => a.secret === d.name)) return {by: 'sync', command: 'rotor sync'}
  return {by: 'apply', command: 'rotor apply'}
}

/** One secret's row in `rotor diff --json` (and `sync`/`copy --dry-run`). */
export interface SecretDriftJson {
  secret: string
  drift: boolean
  /** What fixes the drift (diff only, when the secret drifts). */
  fix?: DriftFix
  targets: TargetDriftJson[]
}

export interface TargetDriftJson {
  /** `store:path` */
  target: string
  primary: boolean
  state: Array<DriftKind | 'in-sync'>
  currentVersion?: string
  /** How the current value was compared with the primary's. */
  comparedBy?: TargetDrift['proof']
  /** Short fingerprint of the current value, meaningful only within this run. */
  fingerprint?: string
  extraVersions?: string[]
  detail?: string
}

/** One JSON-friendly row per secret: what `rotor diff --json` prints. Never a value. */
export function driftJson(drift: SecretDrift[], syncPlan?: Plan): SecretDriftJson[] {
  return drift.map((d) => ({
    secret: d.name,
    drift: d.drift,
    ...(syncPlan && d.drift ? {fix: driftFix(d, syncPlan)} : {}),
    targets: d.targets.map((t) => ({
      target: refText(t.target),
      primary: t.primary,
      state: t.drift.length === 0 ? ['in-sync'] : t.drift,
      ...(t.currentVersion ? {currentVersion: t.currentVersion} : {}),
      ...(t.proof ? {comparedBy: t.proof} : {}),
      ...(t.fingerprint ? {fingerprint: t.fingerprint} : {}),
      ...(t.extraVersions ? {extraVersions: t.extraVersions} : {}),
      ...(t.detail ? {detail: t.detail} : {}),
    })),
  }))
}

const describe = (t: TargetDrift): string => {
  if (t.drift.length === 0) return ansis.green('in sync')
  const parts = t.drift.map((kind) => (kind === 'extra-versions' && t.extraVersions ? `extra versions ${t.extraVersions.join(', ')}` : kind))
  return ansis.yellow(parts.join(', ')) + (t.detail ? ansis.dim(` (${t.detail})`) : '')
}

export function renderDrift(drift: SecretDrift[], syncPlan: Plan = {at: '', actions: [], blocked: []}, orphans: Orphan[] = []): string {
  const lines: string[] = []
  const fixes = new Map<string, string[]>()
  for (const d of drift) {
    lines.push(`${ansis.bold(d.name)}: ${d.drift ? ansis.yellow('drift') : ansis.green('in sync')}`)
    if (!d.drift) continue
    for (const t of d.targets) {
      const print = t.fingerprint ? ansis.dim(` fp ${t.fingerprint}`) : ''
      lines.push(`  ${t.primary ? '*' : ' '} ${refText(t.target).padEnd(32)} ${describe(t)}${print}`)
    }
    const fix = driftFix(d, syncPlan)
    if (fix) {
      lines.push(`    ${ansis.dim(`fix: ${fix.command ? `\`${fix.command}\`` : ''}${fix.command && fix.why ? ': ' : ''}${fix.why ?? ''}`)}`)
      const key = fix.command ?? fix.by
      fixes.set(key, [...(fixes.get(key) ?? []), d.name])
    }
  }
  if (orphans.length > 0) lines.push('', ...renderOrphans(orphans))
  const drifting = drift.filter((d) => d.drift).length
  const summary = [...fixes].map(([command, names]) => (command.startsWith('rotor') ? `\`${command}\` for ${names.join(', ')}` : `${names.join(', ')}: ${command === 'read' ? 'could not be read' : 'see the fix above'}`))
  lines.push('', drifting === 0 ? `No drift in ${drift.length} secret(s).` : `${drifting} of ${drift.length} secret(s) drift. ${summary.join('; ')}.`)
  if (orphans.length > 0) lines.push(`${orphans.length} rotor-owned secret(s) are no longer in the config (orphans).`)
  return lines.join('\n')
}

export function renderOrphans(orphans: Orphan[]): string[] {
  return [
    ansis.bold('Orphans (rotor-owned, not in the config):'),
    ...orphans.map((o) => `  ${ansis.yellow('?')} ${o.target.padEnd(32)} ${ansis.dim(`fix: ${o.hint}`)}`),
  ]
}
