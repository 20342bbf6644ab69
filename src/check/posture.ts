/**
 * The posture checks that need no values: age, schedule, policy strength, who wrote the valid
 * versions, how many versions are valid, and when the secret was last read. Pure.
 */
import type {SecretConfig} from '../config/types.js'
import {formatDuration} from '../config/duration.js'
import {policyEntropyBits} from '../keys/entropy.js'
import type {Inventory} from '../plan/types.js'
import type {SecretSnapshot, VersionInfo} from '../../providers/types.js'
import type {CheckOptions, Finding} from './types.js'

const DAY = 86_400_000

export function postureFindings(secrets: SecretConfig[], inventory: Inventory, options: CheckOptions): Finding[] {
  const findings: Finding[] = []
  for (const secret of secrets) {
    findings.push(...policyFindings(secret, options))
    for (const observation of inventory.get(secret.name) ?? []) {
      const target = `${observation.target.store}:${observation.target.path}`
      if (observation.error) {
        findings.push({check: 'unreadable', severity: 'error', secret: secret.name, target, message: `cannot read ${target}: ${observation.error.message}`})
        continue
      }
      if (observation.snapshot?.exists) findings.push(...targetFindings(secret, target, observation.snapshot, options))
    }
  }
  return findings
}

function policyFindings(secret: SecretConfig, options: CheckOptions): Finding[] {
  const findings: Finding[] = []
  const base = {secret: secret.name}
  if (!secret.schedule) {
    findings.push({
      ...base,
      check: 'no-schedule',
      severity: 'info',
      message: `no cron schedule: rotates only when maxAge (${formatDuration(secret.maxAgeMs ?? 0)}) has passed, at whatever time the next run happens`,
      hint: 'add `schedule:` to rotate at a predictable time (e.g. a low-traffic hour)',
    })
  }
  const bits = policyEntropyBits(secret.generator)
  if (bits < options.minEntropyBits) {
    findings.push({
      ...base,
      check: 'weak-policy',
      severity: 'warning',
      message: `generator policy has ${bits.toFixed(1)} bits of entropy, below --min-entropy ${options.minEntropyBits}`,
      hint: 'raise `generator.length` or use a larger alphabet; the next rotation applies it',
    })
  }
  if (secret.generator.checksum !== 'crc32') {
    findings.push({
      ...base,
      check: 'no-checksum',
      severity: 'info',
      message: 'keys carry no checksum: `rotor scan` finds them only by value, not by format',
      hint: 'set `generator.checksum: crc32` (and a prefix) so leaked keys are recognisable even after their value is destroyed',
    })
  }
  return findings
}

function targetFindings(secret: SecretConfig, target: string, snapshot: SecretSnapshot, options: CheckOptions): Finding[] {
  const findings: Finding[] = []
  const base = {secret: secret.name, target}
  const valid = snapshot.versions.filter((v) => v.enabled && !v.destroyed)
  const current = valid.find((v) => v.role === 'current')
  if (current && secret.maxAgeMs !== undefined) {
    const age = options.now.getTime() - current.createdAt.getTime()
    if (age > secret.maxAgeMs) {
      findings.push({
        ...base,
        check: 'max-age',
        // Past maxAge is the policy broken, not a style note: the default --fail-on error must catch it.
        severity: 'error',
        versionId: current.id,
        message: `current version ${current.id} is ${formatDuration(age)} old, older than maxAge ${formatDuration(secret.maxAgeMs)}`,
        hint: 'run `rotor apply` (is the scheduled run working?)',
      })
    }
  }
  for (const version of valid) {
    if (version.rotationId === undefined) {
      findings.push({
        ...base,
        check: 'foreign-version',
        severity: 'warning',
        versionId: version.id,
        message: `${version.role} version ${version.id} was not written by rotor`,
        hint: `someone changed the secret outside rotor; run \`rotor rotate ${secret.name}\` to replace it with a rotor-made value`,
      })
    }
  }
  findings.push(...extraVersions(secret, base, valid, snapshot, options.now))
  if (snapshot.lastAccessedAt) {
    const idle = options.now.getTime() - snapshot.lastAccessedAt.getTime()
    if (idle > options.unusedDays * DAY) {
      findings.push({
        ...base,
        check: 'unused',
        severity: 'warning',
        message: `not read for ${Math.floor(idle / DAY)} days (last access ${snapshot.lastAccessedAt.toISOString().slice(0, 10)})`,
        hint: 'if nothing uses it any more, remove it from rotor.yaml and delete it',
      })
    }
  }
  return findings
}

/** Valid = current, pending, and previous until its grace ends; anything else should be retired. */
function extraVersions(secret: SecretConfig, base: {secret: string; target: string}, valid: VersionInfo[], snapshot: SecretSnapshot, now: Date): Finding[] {
  const findings: Finding[] = []
  const graceEnds = snapshot.meta.graceEndsAt ? new Date(snapshot.meta.graceEndsAt) : undefined
  for (const version of valid) {
    if (version.role === 'retired') {
      findings.push({
        ...base,
        check: 'extra-versions',
        severity: 'warning',
        versionId: version.id,
        message: `version ${version.id} has no role but is still valid (${valid.length} valid versions; at most current, previous and pending)`,
        hint: 'run `rotor apply` to retire it',
      })
    } else if (version.role === 'previous' && graceEnds && graceEnds.getTime() < now.getTime()) {
      findings.push({
        ...base,
        check: 'extra-versions',
        severity: 'warning',
        versionId: version.id,
        message: `previous version ${version.id} is still valid after its grace window ended at ${graceEnds.toISOString()}`,
        hint: `run \`rotor apply\` to retire it (retire: ${secret.retire})`,
      })
    }
  }
  return findings
}
