/**
 * `rotor check`: posture findings with severities, for a pipeline gate. Reads the stores (and
 * the valid values, to compare them by keyed hash); changes nothing.
 */
import type {SecretConfig} from '../config/types.js'
import type {StoreSet} from '../engine/stores.js'
import type {Inventory} from '../plan/types.js'
import {collectValues} from '../scan/values.js'
import {postureFindings} from './posture.js'
import {sharedValueFindings} from './shared.js'
import {type CheckOptions, type Finding, type Severity, severityRank} from './types.js'

export * from './types.js'

export interface CheckReport {
  findings: Finding[]
  counts: Record<Severity, number>
  /** What was read: the command's exit code tells a report that covers nothing from one that is clean. */
  inventory: Inventory
}

export async function runChecks(secrets: SecretConfig[], stores: StoreSet, options: CheckOptions): Promise<CheckReport> {
  const collected = await collectValues(secrets, stores)
  const findings = [
    ...postureFindings(secrets, collected.inventory, options),
    ...sharedValueFindings(collected.values),
    ...collected.unreadable
      .filter((u) => u.versionId !== undefined)
      .map((u): Finding => ({check: 'unreadable', severity: 'error', secret: u.secret, target: u.target, versionId: u.versionId, message: `cannot read version ${u.versionId} of ${u.target}: ${u.reason}`})),
    ...(options.orphans ?? []).map((o): Finding => ({check: 'orphan', severity: 'warning', target: o.target, message: 'rotor-owned secret that no secret in the config names any more; it stays valid and is never rotated', hint: o.hint})),
  ].sort((a, b) => severityRank[b.severity] - severityRank[a.severity] || (a.secret ?? '').localeCompare(b.secret ?? ''))
  const counts = {info: 0, warning: 0, error: 0}
  for (const f of findings) counts[f.severity]++
  return {findings, counts, inventory: collected.inventory}
}

export function failsGate(report: Pick<CheckReport, 'findings'>, failOn: Severity | 'never'): boolean {
  if (failOn === 'never') return false
  return report.findings.some((f) => severityRank[f.severity] >= severityRank[failOn])
}
