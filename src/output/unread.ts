/**
 * Targets a command could not read, and what that means for its exit code. A command that read
 * nothing exits 1 and one that read only part exits 3, whatever else it found: a pipeline must
 * never stay green because every store was unreachable. One cause shared by many targets (a wrong
 * key, a missing token) is one line with a count, not one line per secret.
 */
import {ExitCode} from '../exit-codes.js'
import {type Inventory, refText} from '../plan/types.js'

export interface UnreadGroup {
  store: string
  reason: string
  hint?: string
  count: number
  targets: string[]
}

export interface ReadCoverage {
  /** Distinct targets the command needed. */
  targets: number
  /** Distinct targets it could not read. */
  unread: number
  groups: UnreadGroup[]
}

export function readCoverage(inventory: Inventory): ReadCoverage {
  // Each store's paths seen (no `store:path` text built for every target of a fleet).
  const seen = new Map<string, Set<string>>()
  let targets = 0
  const groups = new Map<string, UnreadGroup>()
  for (const observations of inventory.values()) {
    for (const o of observations) {
      let paths = seen.get(o.target.store)
      if (!paths) seen.set(o.target.store, (paths = new Set()))
      if (paths.has(o.target.path)) continue
      paths.add(o.target.path)
      targets++
      if (!o.error) continue
      const ref = refText(o.target)
      const reason = causeOf(o.error.message, ref, o.target.path)
      const key = `${o.target.store}\u0000${reason}`
      const group = groups.get(key) ?? {store: o.target.store, reason, ...(o.error.hint ? {hint: o.error.hint} : {}), count: 0, targets: []}
      group.count++
      group.targets.push(ref)
      groups.set(key, group)
    }
  }
  const list = [...groups.values()].sort((a, b) => b.count - a.count || a.store.localeCompare(b.store))
  return {targets, unread: list.reduce((n, g) => n + g.count, 0), groups: list}
}

/**
 * The cause without the target it was met on: adapters name the secret in their messages
 * ("aws:team/x: DescribeSecret failed: ..."), which would make every target its own group.
 */
export function causeOf(message: string, ref: string, path: string): string {
  const general = message.split(ref).join('<target>').split(path).join('<target>')
  return general.replace(/^<target>:\s*/, '')
}

/** 1 when nothing could be read, 3 when part could, undefined when everything was read. */
export function unreadExitCode(coverage: ReadCoverage): ExitCode | undefined {
  if (coverage.unread === 0) return undefined
  return coverage.unread >= coverage.targets ? ExitCode.ERROR : ExitCode.PARTIAL_FAILURE
}

/** True when the blocker only repeats a read failure the grouped lines already name. */
export function isUnreadBlocker(coverage: ReadCoverage, blocker: {target?: {store: string; path: string}; reason: string}): boolean {
  if (!blocker.target || !blocker.reason.startsWith('could not read ')) return false
  const ref = refText(blocker.target)
  return coverage.groups.some((g) => g.targets.includes(ref))
}

/** "12 targets on store prod-vault: permission denied ..." or "local:app/key: ..." for one. */
export function unreadLines(coverage: ReadCoverage): string[] {
  return coverage.groups.map((g) => {
    const where = g.count === 1 ? g.targets[0] : `${g.count} targets on store ${g.store}`
    return `${where}: ${g.reason}${g.hint ? `\n      hint: ${g.hint}` : ''}`
  })
}

export function unreadSummary(coverage: ReadCoverage): string {
  return coverage.unread >= coverage.targets
    ? `Could not read any of the ${coverage.targets} target(s); nothing was evaluated.`
    : `Could not read ${coverage.unread} of ${coverage.targets} target(s); the rest were evaluated.`
}

/** What `--json` carries: the groups, with the counts. */
export function unreadJson(coverage: ReadCoverage) {
  return {targets: coverage.targets, unread: coverage.unread, groups: coverage.groups}
}
