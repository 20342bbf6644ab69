/**
 * Duplicate map keys, found in one pass over the document. The yaml library can check them while
 * it composes (`uniqueKeys: true`), but it compares each new key with every earlier key of its
 * map: quadratic in the size of the map, minutes for `secrets:` with 100,000 entries. rotor
 * parses with `uniqueKeys: false` and looks the keys up in a hash map here instead, with the
 * library's notion of equality: the same node, or two scalars whose values are `===`.
 */
import {isMap, isPair, isScalar, isSeq, type Document, type Node} from 'yaml'
import {keyText, type KeyPath} from './locate.js'

export interface DuplicateKey {
  /** Key path of the repeated key (`['secrets', 'payments']`). */
  path: KeyPath
  /** The repeated key, and the first key of its map with the same value. */
  key: Node
  first: Node
}

/** Every repeated key in `doc`, in document order. */
export function findDuplicateKeys(doc: Document): DuplicateKey[] {
  const found: DuplicateKey[] = []
  walk(doc.contents ?? undefined, [], found)
  return found.sort((a, b) => (a.key.range?.[0] ?? 0) - (b.key.range?.[0] ?? 0))
}

function walk(node: unknown, path: Array<string | number>, found: DuplicateKey[]): void {
  if (isMap(node)) {
    const seen = new Map<unknown, Node>()
    for (const pair of node.items) {
      if (!isPair(pair)) continue
      const key = pair.key as Node | null
      if (isScalar(key) && !Number.isNaN(key.value)) {
        // A Map compares primitives the way `===` does (NaN aside, which `===` never matches).
        const first = seen.get(key.value)
        if (first) found.push({path: [...path, keyText(key)], key, first})
        else seen.set(key.value, key)
      }
      walk(pair.value, [...path, keyText(key)], found)
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, index) => walk(item, [...path, index], found))
  }
  // Aliases are not followed: their target is walked where it is defined.
}
