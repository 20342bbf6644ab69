/**
 * Reads the anchor each configured secret's primary holds (metadata only: describe never reads a
 * value), for `rotor audit verify`. A primary that cannot be read is named, not skipped silently.
 */
import type {RotorConfig} from '../config/types.js'
import type {StoreClient} from '../../providers/types.js'
import {mapLimit} from '../util/pool.js'
import {readAnchor} from './anchor.js'
import type {Anchor} from './types.js'

export interface StoreAnchors {
  anchors: Anchor[]
  /** `secret (store:path): why` for each primary whose metadata could not be read. */
  unreadable: string[]
}

export async function readStoreAnchors(config: RotorConfig, stores: {get(name: string): Promise<StoreClient>}): Promise<StoreAnchors> {
  const unreadable: string[] = []
  const found = await mapLimit(config.secrets, 8, async (secret) => {
    const primary = secret.targets[0]
    const source = `${secret.name} (${primary.store}:${primary.path})`
    try {
      const snapshot = await (await stores.get(primary.store)).describe(primary.path)
      return snapshot.exists ? readAnchor(snapshot.meta, source) : undefined
    } catch (error) {
      unreadable.push(`${source}: ${(error as Error).message}`)
      return undefined
    }
  })
  return {anchors: found.filter((a): a is Anchor => a !== undefined), unreadable}
}

/** `SEQ:HASH` from `--expect-head`, or a message saying what is wrong with it. */
export function parseExpectedHead(text: string): Anchor | string {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim())
  if (!match || Number(match[1]) < 1) return `--expect-head must be SEQ:HASH (a positive entry number and 64 hex digits), got "${text}"`
  return {source: '--expect-head', seq: Number(match[1]), head: match[2]}
}
