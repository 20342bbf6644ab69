/**
 * Positions for a file the fast reader (block-yaml.ts) accepted. The node tree with offsets is
 * built on first use, by reading the text again: a valid file usually needs no position at all,
 * and skipping the tree keeps the common run lean. Answers mirror Locator's (locate.ts) exactly.
 */
import {scanYaml, type ScanMap, type ScanNode} from './block-yaml.js'
import type {KeyPath, Position, SourceIndex} from './locate.js'

interface Found {
  node: ScanNode
  /** Where the key naming the last segment found starts (a list item: the item itself). */
  keyStart?: number
  complete: boolean
}

/** An array index as a property name: objects list those first, whatever the insertion order. */
const ARRAY_INDEX = /^(?:0|[1-9][0-9]{0,9})$/
const isArrayIndex = (key: string): boolean => ARRAY_INDEX.test(key) && Number(key) < 2 ** 32 - 1

export class ScanLocator implements SourceIndex {
  readonly #text: string
  readonly #data: unknown
  #root: ScanMap | undefined
  #lineStarts: number[] | undefined

  /** `data` is what the reader returned for `text`; `root` its tree, when already built. */
  constructor(text: string, data: unknown, root?: ScanMap) {
    this.#text = text
    this.#data = data
    this.#root = root
  }

  /** The tree with offsets (read again from the text the first time). */
  get root(): ScanMap {
    if (!this.#root) {
      const scanned = scanYaml(this.#text, {positions: true})
      if (!scanned?.root) throw new Error('the config text was read once but not a second time')
      this.#root = scanned.root
    }
    return this.#root
  }

  value(path: KeyPath): Position {
    const found = this.#find(path)
    if (!isEmptyScalar(found.node)) return this.offset(found.node.start)
    return this.offset(found.keyStart ?? found.node.start)
  }

  key(path: KeyPath): Position {
    const found = this.#find(path)
    return this.offset(found.keyStart ?? found.node.start)
  }

  within(path: KeyPath, token: string): Position {
    const found = this.#find(path)
    if (found.complete && found.node.kind === 'scalar') {
      const at = this.#text.indexOf(token, found.node.start)
      if (at >= 0 && at < found.node.end) return this.offset(at)
    }
    return this.value(path)
  }

  offset(offset: number): Position {
    const starts = (this.#lineStarts ??= lineStarts(this.#text))
    let low = 0
    let high = starts.length - 1
    while (low < high) {
      const mid = (low + high + 1) >> 1
      if (starts[mid] <= offset) low = mid
      else high = mid - 1
    }
    return {line: low + 1, column: offset - starts[low] + 1}
  }

  has(path: KeyPath): boolean {
    return this.#find(path).complete
  }

  keysAt(path: KeyPath): string[] {
    // The data's own key order is the file's unless a key looks like an array index (objects
    // list those first); only then is the tree needed.
    let value = this.#data
    for (const segment of path) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, segment)) return []
      value = (value as Record<string | number, unknown>)[segment]
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return []
    const keys = Object.keys(value)
    if (!keys.some(isArrayIndex)) return keys
    const found = this.#find(path)
    return found.complete && found.node.kind === 'map' ? [...found.node.keys] : []
  }

  #find(path: KeyPath): Found {
    let node: ScanNode = this.root
    let keyStart: number | undefined
    for (const segment of path) {
      if (node.kind === 'map') {
        const index = node.index.get(String(segment))
        if (index === undefined) return {node, keyStart, complete: false}
        keyStart = node.keyStarts[index]
        node = node.values[index]
      } else if (node.kind === 'seq' && typeof segment === 'number' && node.items[segment] !== undefined) {
        node = node.items[segment]
        keyStart = node.start
      } else {
        return {node, keyStart, complete: false}
      }
    }
    return {node, keyStart, complete: true}
  }
}

function isEmptyScalar(node: ScanNode): boolean {
  return node.kind === 'scalar' && node.start === node.end
}

function lineStarts(text: string): number[] {
  const starts = [0]
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1)
  return starts
}
