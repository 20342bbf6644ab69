/**
 * Cron ticks computed by an earlier process, so that `rotor status` on an unchanged store does not
 * load cron-parser and luxon (~150 kB) nor initialise ICU's time zones for its first time-zone
 * parse: together ~40 ms of its start-up. Only `status` turns it on (src/cli/status-run.ts).
 *
 * Each window holds every tick in (from, last], each found by cron-parser as the first tick after
 * the one before (the answer for any `since` in [from, last) is then the first tick after it,
 * the same assumption TickIndex makes); a question outside every window goes to cron-parser
 * and adds the window it found. The file is kept in the user's rotor folder (rotorUserDir, the
 * folder of the file store's key), not in a project's, and names the Node version, its time-zone
 * data and rotor's build: another of any of these and the file is ignored.
 */
import {mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {rotorUserDir} from '../util/user-dir.js'

const FORMAT = 1
/** Windows kept per schedule, and schedules kept: the file stays a few kilobytes. */
const MAX_WINDOWS = 16
const MAX_SCHEDULES = 64
/** Ticks a new window reaches ahead: until the first after `now`, at most this many. */
const MAX_WINDOW_TICKS = 16

interface Window {
  from: number
  /** Ascending; every tick in (from, ticks[ticks.length - 1]]. */
  ticks: number[]
}

interface TickFile {
  v: typeof FORMAT
  stamp: string
  /** `${timezone}\u0000${cron}` -> windows, newest first. */
  schedules: Record<string, Window[]>
}

export type DirectTick = (cron: string, timezone: string, after: number) => number

let buildStamp: string | undefined
function stamp(): string {
  if (buildStamp === undefined) {
    let build = 'unknown'
    try {
      const info = statSync(fileURLToPath(import.meta.url))
      build = `${info.mtimeMs}:${info.size}`
    } catch {
      // No file to stat: the Node version and time-zone data still key the cache.
    }
    buildStamp = `${process.version}|${process.versions.tz ?? ''}|${process.versions.icu ?? ''}|${build}`
  }
  return buildStamp
}

export class TickCache {
  private schedules: Record<string, Window[]> = {}
  private dirty = false

  constructor(
    private readonly file: string,
    private readonly now: () => number,
  ) {
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as Partial<TickFile>
      if (data.v === FORMAT && data.stamp === stamp() && data.schedules && typeof data.schedules === 'object') this.schedules = data.schedules
    } catch {
      // Missing or unreadable: start empty.
    }
  }

  /** The first tick after `after`, from a window that covers it; undefined when none does. */
  cached(cron: string, timezone: string, after: number): number | undefined {
    for (const window of this.schedules[key(cron, timezone)] ?? []) {
      if (!validWindow(window) || after < window.from || after >= window.ticks[window.ticks.length - 1]) continue
      const {ticks} = window
      let lo = 0
      let hi = ticks.length - 1
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (ticks[mid] <= after) lo = mid + 1
        else hi = mid
      }
      return ticks[lo]
    }
    return undefined
  }

  /** Asks `direct` for the first tick after `after`, and keeps the window it starts. */
  compute(cron: string, timezone: string, after: number, direct: DirectTick): number {
    const first = direct(cron, timezone, after)
    const ticks = [first]
    const now = this.now()
    while (ticks[ticks.length - 1] <= now && ticks.length < MAX_WINDOW_TICKS) ticks.push(direct(cron, timezone, ticks[ticks.length - 1]))
    const id = key(cron, timezone)
    const windows = [{from: after, ticks}, ...(this.schedules[id] ?? [])].slice(0, MAX_WINDOWS)
    delete this.schedules[id]
    this.schedules[id] = windows
    const ids = Object.keys(this.schedules)
    for (const old of ids.slice(0, Math.max(0, ids.length - MAX_SCHEDULES))) delete this.schedules[old]
    this.dirty = true
    return first
  }

  /** Writes what was learnt (best-effort: a read-only folder just means no cache). */
  save(): void {
    if (!this.dirty) return
    this.dirty = false
    const data: TickFile = {v: FORMAT, stamp: stamp(), schedules: this.schedules}
    const temp = `${this.file}.${process.pid}.tmp`
    try {
      mkdirSync(dirname(this.file), {recursive: true, mode: 0o700})
      writeFileSync(temp, JSON.stringify(data), {mode: 0o600})
      renameSync(temp, this.file)
    } catch {
      // Not writable: the next process computes the ticks again.
    }
  }
}

const key = (cron: string, timezone: string) => `${timezone}\u0000${cron}`

/** A window as compute() writes it: ticks ascending, all after `from` (a damaged file is skipped). */
function validWindow(window: Window): boolean {
  if (typeof window?.from !== 'number' || !Array.isArray(window.ticks) || window.ticks.length === 0) return false
  let previous = window.from
  for (const tick of window.ticks) {
    if (typeof tick !== 'number' || !(tick > previous)) return false
    previous = tick
  }
  return true
}

export function tickCacheFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(rotorUserDir(env), 'cache', 'cron-ticks.json')
}
