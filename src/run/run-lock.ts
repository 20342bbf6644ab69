/**
 * Who holds the run lock (`run.lock` next to the audit log), read loosely: the lock file's
 * owner record is JSON with pid, host and time. Read-only: `status` uses it to tell a live run
 * from an interrupted one, and never takes or breaks the lock.
 */
import {readFile} from 'node:fs/promises'
import {hostname} from 'node:os'
import {processAlive} from '../util/process.js'
import type {RotorConfig} from '../config/types.js'
import {runLockPath} from './session.js'

export interface RunLockHolder {
  pid?: number
  host?: string
  since?: string
  /** True when the holder runs on this host and its process is alive; undefined on another host. */
  alive?: boolean
  lockFile: string
}

export async function runLockHolder(config: RotorConfig): Promise<RunLockHolder | undefined> {
  const lockFile = runLockPath(config)
  let text: string
  try {
    text = await readFile(lockFile, 'utf8')
  } catch {
    return undefined
  }
  let owner: Record<string, unknown> = {}
  try {
    const parsed = JSON.parse(text) as unknown
    if (parsed && typeof parsed === 'object') owner = parsed as Record<string, unknown>
  } catch {
    // Being written right now, or damaged: still a holder, with nothing known about it.
  }
  const pid = typeof owner.pid === 'number' ? owner.pid : undefined
  const host = typeof owner.host === 'string' ? owner.host : undefined
  const time = typeof owner.time === 'string' || typeof owner.time === 'number' ? new Date(owner.time) : undefined
  const since = time && !Number.isNaN(time.getTime()) ? time.toISOString() : undefined
  const alive = host === hostname() && pid !== undefined ? processAlive(pid) : undefined
  return {...(pid !== undefined ? {pid} : {}), ...(host ? {host} : {}), ...(since ? {since} : {}), ...(alive !== undefined ? {alive} : {}), lockFile}
}

/** "pid 4242 on host-a since 2026-03-02T05:00:00.000Z" */
export function holderText(holder: RunLockHolder): string {
  return [holder.pid !== undefined ? `pid ${holder.pid}` : 'a rotor process', holder.host && `on ${holder.host}`, holder.since && `since ${holder.since}`].filter(Boolean).join(' ')
}
