import ansis from 'ansis'
import type {RunReport} from '../engine/execute.js'
import {type Action, type ActionKind, type Plan, refText} from '../plan/types.js'
import {isUnreadBlocker, type ReadCoverage, unreadLines, unreadSummary} from './unread.js'

const SYMBOL: Record<ActionKind, string> = {
  adopt: ansis.cyan('&'),
  create: ansis.green('+'),
  rotate: ansis.yellow('~'),
  repair: ansis.yellow('>'),
  'record-promotion': ansis.dim('='),
  'clean-up': ansis.yellow('*'),
  'rollback-pending': ansis.magenta('<'),
  retire: ansis.red('-'),
  rollback: ansis.magenta('<'),
  restore: ansis.green('^'),
  revoke: ansis.red('x'),
  'issuer-recover': ansis.magenta('!'),
}

export function describeAction(action: Action): string {
  switch (action.kind) {
    case 'adopt':
      return `adopt ${refText(action.target)} (add managed-by: rotor)`
    case 'create':
      return `${action.issuer ? `issue at ${action.issuer}, then ` : ''}create on ${action.targets.map(refText).join(', ')}`
    case 'rotate': {
      const due = `${action.reason}${action.dueAt ? `, due ${action.dueAt}` : ''}`
      const finishing = action.resume !== undefined && action.note?.startsWith('finishing')
      const why = finishing
        ? `finish interrupted rotation ${action.resume}${action.emergency ? ', EMERGENCY: old value retired at once' : ''}`
        : action.emergency
          ? 'EMERGENCY: old value retired at once'
          : `${due}${action.resume ? `, reusing the value staged by rotation ${action.resume}` : ''}`
      const issuer = action.issuer ? `: ${action.resume ? 'check' : 'issue'} at ${action.issuer}, check there, then promote` : ''
      return `rotate (${why})${action.note && !finishing ? `: ${action.note}` : ''}${issuer}`
    }
    case 'repair':
      return `repair ${refText(action.target)} (${action.problem}): copy the primary's current version`
    case 'record-promotion':
      return `start the grace window on ${refText(action.target)} (promotion time was not recorded)`
    case 'clean-up':
      return `clean up ${refText(action.target)}: ${action.detail}`
    case 'rollback-pending':
      return `roll back pending version ${action.versionId} on ${refText(action.target)}`
    case 'retire':
      return `${action.mode} version ${action.versionId} on ${refText(action.target)}${action.graceEndedAt ? ` (grace ended ${action.graceEndedAt})` : ''}`
    case 'restore':
      return `restore the primary from ${refText(action.from)}: rotation ${action.current.rotationId}${action.previous ? ` and, in its grace window, ${action.previous.rotationId}` : ''}`
    case 'rollback':
      return `roll back to the previous value (version ${action.toVersion} on the primary) on every target${action.graceEndsAt ? `; possible until ${action.graceEndsAt}` : ''}`
    case 'revoke':
      return `revoke at ${action.issuer}: ${action.mode} credential ${action.credentialId} (${REVOKE_WHY[action.why]})`
    case 'issuer-recover':
      return `recover an interrupted issuer call (rotation ${action.rotationId}) at ${action.issuer}: ${action.revoke.length > 0 ? `revoke ${action.revoke.join(', ')}, which no store holds` : 'nothing to revoke'}; clear the intent`
  }
}

const REVOKE_WHY = {
  'grace-ended': 'its grace window ended',
  'delete-after': 'its deleteAfter window ended',
  'before-rotation': 'retired; the rotation needs its slot',
  emergency: 'emergency',
} as const

export function summarize(plan: Plan): Record<ActionKind, number> {
  const counts = {adopt: 0, create: 0, rotate: 0, repair: 0, 'record-promotion': 0, 'clean-up': 0, 'rollback-pending': 0, retire: 0, rollback: 0, restore: 0, revoke: 0, 'issuer-recover': 0}
  for (const a of plan.actions) counts[a.kind]++
  return counts
}

export function renderPlan(plan: Plan, coverage?: ReadCoverage): string {
  const lines: string[] = []
  const unread = coverage !== undefined && coverage.unread > 0
  // Read failures are told once per cause below, not once per secret they block.
  const blocked = unread ? plan.blocked.filter((b) => !isUnreadBlocker(coverage, b)) : plan.blocked
  if (plan.actions.length === 0) {
    lines.push(unread ? 'No changes could be planned for the targets that could not be read.' : blocked.length > 0 ? 'No changes; some secrets are blocked:' : 'No changes. Every secret is up to date.')
  }
  for (const action of plan.actions) lines.push(`  ${SYMBOL[action.kind]} ${ansis.bold(action.secret)}: ${describeAction(action)}`)
  for (const b of blocked) {
    lines.push(`  ${ansis.red('!')} ${ansis.bold(b.secret)}: blocked: ${b.reason}${b.hint ? ` (${b.hint})` : ''}`)
  }
  for (const d of plan.deferred ?? []) lines.push(`  ${ansis.dim('…')} ${ansis.bold(d.secret)}: rotation waits: ${d.reason}`)
  if (unread) {
    const secrets = new Set(plan.blocked.filter((b) => isUnreadBlocker(coverage, b)).map((b) => b.secret)).size
    lines.push('', ansis.red(`${unreadSummary(coverage)} ${secrets} secret(s) blocked:`), ...unreadLines(coverage).map((l) => `  ${ansis.red('!')} ${l}`))
  }
  if (plan.actions.length > 0) {
    const c = summarize(plan)
    const extra = [
      c.rollback > 0 ? `${c.rollback} to roll back` : '',
      c.restore > 0 ? `${c.restore} to restore` : '',
      c['clean-up'] > 0 ? `${c['clean-up']} to clean up` : '',
    ].filter(Boolean)
    const tail = extra.map((e) => `, ${e}`).join('')
    lines.push('', `Plan: ${c.create} to create, ${c.rotate} to rotate, ${c.repair} to repair, ${c.retire + c['rollback-pending']} to retire, ${c.adopt} to adopt${tail}.`)
  }
  return lines.join('\n')
}

export function renderReport(report: RunReport): string {
  const lines = report.results.map((r) => {
    const mark = r.outcome === 'ok' ? ansis.green('ok    ') : r.outcome === 'failed' ? ansis.red('FAILED') : ansis.dim('skip  ')
    const error = r.error ? `\n           ${ansis.red(r.error.message)}${r.error.hint ? `\n           hint: ${r.error.hint}` : ''}` : ''
    const why = r.reason ? `\n           ${ansis.dim(r.reason)}` : ''
    return `  ${mark} ${ansis.bold(r.action.secret)}: ${describeAction(r.action)}${error}${why}`
  })
  const failed = report.results.filter((r) => r.outcome === 'failed').length
  const ok = report.results.filter((r) => r.outcome === 'ok').length
  lines.push('', failed ? ansis.red(`${ok} done, ${failed} failed (${report.failedSecrets.join(', ')}).`) : ansis.green(`${ok} done.`))
  return lines.join('\n')
}
