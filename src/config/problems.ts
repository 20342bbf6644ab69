import type {ConfigProblem} from '../errors/index.js'
import {formatKeyPath, type KeyPath, type Position, type SourceIndex} from './locate.js'

/**
 * A problem before it has a line and column. `anchor` says which text to point at: the value
 * (default), or the key, which for a missing key falls back to the key of its parent.
 */
export interface PathProblem {
  path: KeyPath
  message: string
  anchor?: 'value' | 'key'
  /** An exact position, when the caller knows better than the path (a `${VAR}` in a string). */
  position?: Position
}

/** Positions resolved, duplicates dropped, sorted by line then column. */
export function toConfigProblems(problems: PathProblem[], file: string, locator: SourceIndex): ConfigProblem[] {
  const seen = new Set<string>()
  const out: ConfigProblem[] = []
  for (const problem of problems) {
    const position =
      problem.position ?? (problem.anchor === 'key' ? locator.key(problem.path) : locator.value(problem.path))
    const converted: ConfigProblem = {
      file,
      line: position.line,
      column: position.column,
      key: formatKeyPath(problem.path),
      message: problem.message,
    }
    const id = JSON.stringify(converted)
    if (seen.has(id)) continue
    seen.add(id)
    out.push(converted)
  }
  return sortProblems(out)
}

export function sortProblems(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.sort((a, b) => a.line - b.line || a.column - b.column)
}

/** Whether `path` is `prefix` or lies under it. */
export function isUnder(path: KeyPath, prefix: KeyPath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => String(segment) === String(path[i]))
}

/** `a string`, `a number`, `nothing`...: for messages that must not echo a value. */
export function kindOf(value: unknown): string {
  if (value === undefined || value === null) return 'nothing'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a map'
  if (typeof value === 'string') return 'a string'
  if (typeof value === 'number') return 'a number'
  if (typeof value === 'boolean') return `${value}`
  return `a ${typeof value}`
}
