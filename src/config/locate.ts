/**
 * Maps a key path (`['secrets', 'payments', 'grace']`) back to a line and column in the YAML
 * source, so every problem points at the text the user has to change.
 */
import {isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node, type Pair, type YAMLMap} from 'yaml'

export type KeyPath = ReadonlyArray<string | number>

export interface Position {
  /** 1-based. */
  line: number
  /** 1-based. */
  column: number
}

/** `secrets.payments-api.targets[0]` */
export function formatKeyPath(path: KeyPath): string {
  let text = ''
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`
    else text += text === '' ? segment : `.${segment}`
  }
  return text
}

interface Found {
  /** The node at the path, or at the deepest ancestor that exists. */
  node?: Node
  /** The key naming the last segment that was found, when it is a map key. */
  keyNode?: Node
  /** True when every segment of the path was found. */
  complete: boolean
}

/**
 * Where the parts of a config file are, by key path: what problems need to point at the text.
 * Locator answers over the `yaml` library's document; ScanLocator (scan-locate.ts) over the
 * fast reader's tree. Both give the same answers for a file both can read.
 */
export interface SourceIndex {
  /** Where the value at `path` starts; an empty value (`grace:`) points at its key. */
  value(path: KeyPath): Position
  /** Where the key naming `path` starts (a list item is its own key). */
  key(path: KeyPath): Position
  /** Where `token` first appears inside the string at `path`; the value's start otherwise. */
  within(path: KeyPath, token: string): Position
  /** Where `offset` (a character index in the source) is. */
  offset(offset: number): Position
  /** Whether the path exists in the document (its value may be null). */
  has(path: KeyPath): boolean
  /** Keys of the map at `path` in source order. */
  keysAt(path: KeyPath): string[]
}

export class Locator implements SourceIndex {
  readonly #doc: Document
  readonly #lines: LineCounter
  readonly #text: string
  readonly #index = new WeakMap<YAMLMap, Map<string, Pair>>()

  constructor(doc: Document, lines: LineCounter, text: string) {
    this.#doc = doc
    this.#lines = lines
    this.#text = text
  }

  /** Where the value at `path` starts; an empty value (`grace:`) points at its key. */
  value(path: KeyPath): Position {
    const found = this.#find(path)
    const node = found.node
    if (node && !isEmptyScalar(node)) return this.#position(node)
    return this.#position(found.keyNode ?? node)
  }

  /** Where the key naming `path` starts (a list item is its own key). */
  key(path: KeyPath): Position {
    const found = this.#find(path)
    return this.#position(found.keyNode ?? found.node)
  }

  /** Where `token` first appears inside the string at `path`; the value's start otherwise. */
  within(path: KeyPath, token: string): Position {
    const found = this.#find(path)
    const range = found.complete && isScalar(found.node) ? found.node.range : undefined
    if (range) {
      const at = this.#text.indexOf(token, range[0])
      if (at >= 0 && at < range[1]) return this.offset(at)
    }
    return this.value(path)
  }

  /** The key path of the innermost key or value at `offset` (for YAML errors). */
  pathAt(offset: number): Array<string | number> {
    const path: Array<string | number> = []
    let node = this.#resolve(this.#doc.contents ?? undefined)
    for (;;) {
      let next: Node | undefined
      if (isMap(node)) {
        for (const pair of node.items) {
          const key = pair.key as Node | null
          const value = pair.value as Node | null
          if (key && contains(key, offset)) return [...path, keyText(key)]
          if (value && contains(value, offset)) {
            path.push(keyText(key))
            next = value
            break
          }
        }
      } else if (isSeq(node)) {
        const index = node.items.findIndex((item) => contains(item as Node, offset))
        if (index >= 0) {
          path.push(index)
          next = node.items[index] as Node
        }
      }
      if (!next || isAlias(next)) return path
      node = next
    }
  }

  /** Where `node` starts. */
  node(node: Node): Position {
    return this.#position(node)
  }

  /** Where `offset` (a character index in the source) is. */
  offset(offset: number): Position {
    const {line, col} = this.#lines.linePos(offset)
    return {line, column: col}
  }

  /** Whether the path exists in the document (its value may be null). */
  has(path: KeyPath): boolean {
    return this.#find(path).complete
  }

  /** Keys of the map at `path` in source order. */
  keysAt(path: KeyPath): string[] {
    const found = this.#find(path)
    const node = found.complete ? this.#resolve(found.node) : undefined
    if (!isMap(node)) return []
    return node.items.map((pair) => keyText(pair.key))
  }

  #find(path: KeyPath): Found {
    let node = this.#resolve(this.#doc.contents ?? undefined)
    let keyNode: Node | undefined
    for (const [index, segment] of path.entries()) {
      if (isMap(node)) {
        const pair = this.#pairs(node).get(String(segment))
        if (!pair) return {node, keyNode, complete: false}
        keyNode = isScalar(pair.key) || isMap(pair.key) || isSeq(pair.key) ? (pair.key as Node) : undefined
        node = this.#resolve((pair.value as Node | null) ?? undefined)
        if (!node) return {node: keyNode, keyNode, complete: index === path.length - 1}
      } else if (isSeq(node) && typeof segment === 'number' && node.items[segment] !== undefined) {
        node = this.#resolve(node.items[segment] as Node)
        keyNode = node
      } else {
        return {node, keyNode, complete: false}
      }
    }
    return {node, keyNode, complete: true}
  }

  /**
   * The first pair of each key text in `map`, built on first use: a file with a problem in each
   * of 100,000 secrets looks up 100,000 paths, and a scan of `secrets:` for each would be quadratic.
   */
  #pairs(map: YAMLMap): Map<string, Pair> {
    let index = this.#index.get(map)
    if (!index) {
      index = new Map()
      for (const pair of map.items as Pair[]) {
        const text = keyText(pair.key)
        if (!index.has(text)) index.set(text, pair)
      }
      this.#index.set(map, index)
    }
    return index
  }

  #resolve(node: Node | undefined): Node | undefined {
    if (isAlias(node)) return (node.resolve(this.#doc) as Node | undefined) ?? node
    return node
  }

  #position(node: Node | undefined): Position {
    const start = node?.range?.[0]
    return start === undefined ? {line: 1, column: 1} : this.offset(start)
  }
}

function contains(node: Node, offset: number): boolean {
  const range = node.range
  return range !== undefined && range !== null && range[0] <= offset && offset < Math.max(range[1], range[0] + 1)
}

/** A map key as the path segment that names it. */
export function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value)
  return String(key)
}

function isEmptyScalar(node: Node): boolean {
  return isScalar(node) && node.value === null && !!node.range && node.range[0] === node.range[1]
}
