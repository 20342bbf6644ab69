/**
 * The anchor: the seq and hash of the log's latest entry, recorded in a changed secret's primary
 * store metadata at the end of the secret's actions. Someone who can only write the log's folder
 * cannot move it, so a cut tail, a deleted or emptied log and a rebuilt chain show against it.
 */
import type {RotorMeta} from '../../providers/types.js'
import type {Anchor} from './types.js'

export const ANCHOR_META = {seq: 'auditSeq', head: 'auditHead', log: 'auditLog'} as const

/**
 * Metadata that records the log's head (`seq` 0 records nothing). `keyId` names the log (by its
 * key): runners on several hosts keep a log each, and an anchor is only checked against its own.
 */
export function anchorMeta(log: {lastSeq: number; head: string; keyId?: string}): RotorMeta {
  if (log.lastSeq <= 0) return {}
  return {[ANCHOR_META.seq]: String(log.lastSeq), [ANCHOR_META.head]: log.head, ...(log.keyId ? {[ANCHOR_META.log]: log.keyId} : {})}
}

/** The anchor in a secret's metadata, if it holds a well-formed one. */
export function readAnchor(meta: RotorMeta | undefined, source: string): Anchor | undefined {
  const seq = Number(meta?.[ANCHOR_META.seq])
  const head = meta?.[ANCHOR_META.head]
  if (!Number.isSafeInteger(seq) || seq < 1 || !head || !/^[0-9a-f]{64}$/.test(head)) return undefined
  const log = meta?.[ANCHOR_META.log]
  return {source, seq, head, ...(log ? {log} : {})}
}

/** Whether an anchor belongs to the log whose key id is `keyId` (an anchor naming no log does). */
export const anchorIsFor = (anchor: Anchor, keyId: string | undefined): boolean => anchor.log === undefined || anchor.log === keyId
