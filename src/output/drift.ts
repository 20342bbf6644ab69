import ansis from 'ansis'
import type {SecretDrift, TargetDrift} from '../plan/drift.js'
import {refText} from '../plan/types.js'

/** One JSON-friendly row per secret: what `rotor diff --json` prints. Never a value. */
export function driftJson(drift: SecretDrift[]) {
  return drift.map((d) => ({
    secret: d.name,
    drift: d.drift,
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

export function renderDrift(drift: SecretDrift[]): string {
  const lines: string[] = []
  for (const d of drift) {
    lines.push(`${ansis.bold(d.name)}: ${d.drift ? ansis.yellow('drift') : ansis.green('in sync')}`)
    if (!d.drift) continue
    for (const t of d.targets) {
      const print = t.fingerprint ? ansis.dim(` fp ${t.fingerprint}`) : ''
      lines.push(`  ${t.primary ? '*' : ' '} ${refText(t.target).padEnd(32)} ${describe(t)}${print}`)
    }
  }
  const drifting = drift.filter((d) => d.drift).length
  lines.push('', drifting === 0 ? `No drift in ${drift.length} secret(s).` : `${drifting} of ${drift.length} secret(s) drift. Run \`rotor sync\` to fix what sync can.`)
  return lines.join('\n')
}
