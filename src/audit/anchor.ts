/**
 * The anchor: the seq and hash of the log's latest entry, recorded in a changed secret's primary
 * store metadata at the end of the secret's actions. Someone who can only write the log's folder
 * cannot move it, so a cut tail, a deleted or emptied log and a rebuilt chain show against it.
 */
import type {RotorMeta} from '../../providers/types.js'
import type {Anchor} from './types.js'

export const ANCHOR_META = {seq: 'auditSeq', head: 'auditHead'} as const

/** Metadata that records the log's head (`seq` 0 records nothing). */
export function anchorMeta(log: {lastSeq: number; head: string}): RotorMeta {
  return log.lastSeq > 0 ? {[ANCHOR_META.seq]: String(log.lastSeq), [ANCHOR_META.head]: log.head} : {}
}

/** The anchor in a secret's metadata, if it holds a well-formed one. */
export function readAnchor(meta: RotorMeta | undefined, source: string): Anchor | undefined {
  const seq = Number(meta?.[ANCHOR_META.seq])
  const head = meta?.[ANCHOR_META.head]
  if (!Number.isSafeInteger(seq) || seq < 1 || !head || !/^[0-9a-f]{64}$/.test(head)) return undefined
  return {source, seq, head}
}
