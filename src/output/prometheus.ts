/**
 * `rotor status --format prometheus`: the text exposition format, as node-exporter's textfile
 * collector reads it. Per secret and target: age, grace end and whether the target could be read;
 * per secret: next rotation and overdue; per secret with an issuer: whether the issuer could be read,
 * its credentials per state, those rotor does not know and an unfinished issuer call; from the
 * audit log: the last run and whether it succeeded.
 * Times are Unix seconds, so alert rules compare them with `time()`.
 */
import type {LastRun} from '../run/last-run.js'
import type {SecretStatus} from './status.js'

interface Family {
  name: string
  help: string
  samples: Array<{labels: Record<string, string>; value: number}>
}

/** Label values escape backslash, double quote and line feed (exposition format). */
export function escapeLabelValue(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')
}

const seconds = (iso: string | Date) => (typeof iso === 'string' ? Date.parse(iso) : iso.getTime()) / 1000

export function prometheusMetrics(statuses: SecretStatus[], now: Date, last: LastRun | undefined): string {
  const family = (name: string, help: string): Family => ({name, help, samples: []})
  const age = family('rotor_secret_age_seconds', 'Age of the current version on the target.')
  const next = family('rotor_secret_next_rotation_timestamp_seconds', 'When the secret is next due for rotation (Unix time).')
  const grace = family('rotor_secret_grace_end_timestamp_seconds', 'When the previous version stops being valid on the target (Unix time); absent outside a grace window.')
  const up = family('rotor_target_up', '1 when rotor could read the target, 0 when it could not.')
  const overdue = family('rotor_secret_overdue', '1 when the secret is past its rotation due time or its maxAge, else 0.')
  const issuerUp = family('rotor_issuer_up', '1 when rotor could read the secret\'s issuer, 0 when it could not.')
  const issuerCredentials = family('rotor_issuer_credentials', 'Credentials of the secret\'s binding at its issuer, per state (active: accepted now).')
  const issuerUnknown = family('rotor_issuer_unknown_credentials', 'Credentials at the issuer that no store holds and rotor did not retire (left by someone else, or by an interrupted run until the next apply).')
  const issuerIntent = family('rotor_issuer_intent_open', '1 when an issuer call of an earlier run is not stored yet (the next apply recovers it), else 0.')
  for (const s of statuses) {
    const secret = {secret: s.name}
    if (s.issuer) {
      const labels = {secret: s.name, issuer: s.issuer.name}
      issuerUp.samples.push({labels, value: s.issuer.error ? 0 : 1})
      if (!s.issuer.error) {
        const states = new Map<string, number>([['active', 0], ['inactive', 0]])
        for (const c of s.issuer.credentials) states.set(c.state, (states.get(c.state) ?? 0) + 1)
        for (const [state, count] of states) issuerCredentials.samples.push({labels: {...labels, state}, value: count})
        issuerUnknown.samples.push({labels, value: s.issuer.credentials.filter((c) => c.role === 'not-known-to-rotor').length})
      }
      issuerIntent.samples.push({labels, value: s.issuer.intent ? 1 : 0})
    }
    if (s.nextRotationAt) next.samples.push({labels: secret, value: seconds(s.nextRotationAt)})
    const pastDue = s.nextRotationAt !== undefined && Date.parse(s.nextRotationAt) <= now.getTime()
    overdue.samples.push({labels: secret, value: s.overdueSince || pastDue ? 1 : 0})
    for (const t of s.targets) {
      const labels = {secret: s.name, target: t.target}
      up.samples.push({labels, value: t.health === 'error' ? 0 : 1})
      if (t.currentSince) age.samples.push({labels, value: Math.max(0, now.getTime() / 1000 - seconds(t.currentSince))})
      if (t.graceEndsAt) grace.samples.push({labels, value: seconds(t.graceEndsAt)})
    }
  }
  const families = [age, next, grace, up, overdue, ...[issuerUp, issuerCredentials, issuerUnknown, issuerIntent].filter((f) => f.samples.length > 0)]
  if (last) {
    families.push(
      {name: 'rotor_last_run_timestamp_seconds', help: 'When the last rotor run that changed something wrote its last audit entry (Unix time).', samples: [{labels: {}, value: seconds(last.at)}]},
      {name: 'rotor_last_run_success', help: '1 when that run had no failed step and left no change unfinished, else 0.', samples: [{labels: {}, value: last.success ? 1 : 0}]},
    )
  }
  return families.map(render).join('')
}

function render(f: Family): string {
  const lines = [`# HELP ${f.name} ${f.help}`, `# TYPE ${f.name} gauge`]
  for (const {labels, value} of f.samples) {
    const pairs = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`)
    lines.push(`${f.name}${pairs.length > 0 ? `{${pairs.join(',')}}` : ''} ${formatValue(value)}`)
  }
  return `${lines.join('\n')}\n`
}

const formatValue = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(3))
