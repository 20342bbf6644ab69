/**
 * A fast reader for the plain subset of YAML that rotor.yaml files use: block maps and lists
 * (two-space or any consistent indentation), one-line flow collections (`{cron: ..., timezone:
 * ...}`, `[one:app/x, two:app/x]`), plain and quoted one-line scalars, and comments. The `yaml`
 * library builds a full document with a node, a token and a range for every value: for 100,000
 * secrets that is minutes and gigabytes. This reads the same text into plain JS in one pass over
 * its lines, and can record where every key and value starts (for messages) in a second pass,
 * only when a message needs it.
 *
 * It recognises, and does not try to repair: anything outside the subset (anchors, aliases, tags,
 * block scalars, multi-line scalars and flow collections, escapes in double quotes, tabs, CRs,
 * document markers, directives, complex keys, keys that are not strings, `<<`, `__proto__`, an
 * indentation it cannot place) makes scanYaml return undefined, and the caller parses the text
 * with the `yaml` library as before. So every syntax error, and every unusual file, is still
 * reported by the library, with the same message and position. Where scanYaml does accept a
 * file, its result equals the library's (`toJS()` of the document, the key and value offsets of
 * its nodes): test/unit/config/block-yaml.test.ts checks that on generated files.
 */

/** A scalar; an empty one (`key:` with nothing after it) has start === end and value null. */
export interface ScanScalar {
  kind: 'scalar'
  start: number
  /** Just after the scalar's text (after the closing quote). */
  end: number
}

export interface ScanMap {
  kind: 'map'
  start: number
  /** Keys in source order (no repeats: a repeated key is reported, not stored). */
  keys: string[]
  keyStarts: number[]
  values: ScanNode[]
  /** Key text to index in `keys`. */
  index: Map<string, number>
}

export interface ScanSeq {
  kind: 'seq'
  start: number
  items: ScanNode[]
}

export type ScanNode = ScanScalar | ScanMap | ScanSeq

export interface ScanDuplicate {
  /** Key path of the repeated key. */
  path: Array<string | number>
  /** Where the repetition starts, and where the first key of that text starts. */
  at: number
  first: number
}

export interface Scanned {
  /** What `parseDocument(text).toJS()` returns. */
  data: Record<string, unknown>
  /** The node tree with offsets, when asked for (`positions: true`). */
  root?: ScanMap
  /** Repeated keys in document order; `data` then holds the first value of each. */
  duplicates: ScanDuplicate[]
}

/** Thrown inside the scanner for text it does not recognise; never escapes scanYaml. */
class Unrecognised extends Error {}
const UNRECOGNISED = new Unrecognised('not in the block subset')
function bail(): never {
  throw UNRECOGNISED
}

const SPACE = 0x20
const HASH = 0x23
const COLON = 0x3a
const DASH = 0x2d
const DQUOTE = 0x22
const SQUOTE = 0x27
const LBRACKET = 0x5b
const RBRACKET = 0x5d
const LBRACE = 0x7b
const RBRACE = 0x7d
const COMMA = 0x2c
const NEWLINE = 0x0a

/** Characters the scanner leaves to the library wherever they appear (tabs, CR, BOM, controls). */
const UNSUPPORTED_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]/

/** A plain scalar may not start with these (YAML indicators); quotes and flow starts are handled apart. */
const isIndicatorStart = (c: number): boolean =>
  c === 0x2d /* - */ ||
  c === 0x3f /* ? */ ||
  c === COLON ||
  c === COMMA ||
  c === LBRACKET ||
  c === RBRACKET ||
  c === LBRACE ||
  c === RBRACE ||
  c === HASH ||
  c === 0x26 /* & */ ||
  c === 0x2a /* * */ ||
  c === 0x21 /* ! */ ||
  c === 0x7c /* | */ ||
  c === 0x3e /* > */ ||
  c === SQUOTE ||
  c === DQUOTE ||
  c === 0x25 /* % */ ||
  c === 0x40 /* @ */ ||
  c === 0x60 /* ` */

const isFlowIndicator = (c: number): boolean => c === COMMA || c === LBRACKET || c === RBRACKET || c === LBRACE || c === RBRACE

// The YAML 1.2 core schema, in the library's order (yaml/dist/schema/core/schema.js).
const NULL = /^(?:~|[Nn]ull|NULL)?$/
const BOOL = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/
const INT_OCT = /^0o[0-7]+$/
const INT = /^[-+]?[0-9]+$/
const INT_HEX = /^0x[0-9a-fA-F]+$/
const FLOAT_NAN = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/
const FLOAT_EXP = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/
const FLOAT = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/
/** Plain scalars that can only be strings: the first character rules out every other tag. */
const MAYBE_NOT_STRING = /^[-+.0-9~nNtTfF]/
/** Everything any tag other than string accepts (a quick test before the tag-by-tag one). */
const ANY_OTHER_TAG =
  /^(?:~|[Nn]ull|NULL|[Tt]rue|TRUE|[Ff]alse|FALSE|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?)?$/

/** The value of a plain scalar under the core schema. */
export function resolvePlain(text: string): unknown {
  if (!MAYBE_NOT_STRING.test(text) || !ANY_OTHER_TAG.test(text)) return text
  if (NULL.test(text)) return null
  if (BOOL.test(text)) return text[0] === 't' || text[0] === 'T'
  if (INT_OCT.test(text)) return Number.parseInt(text.slice(2), 8)
  if (INT.test(text)) return Number.parseInt(text, 10)
  if (INT_HEX.test(text)) return Number.parseInt(text.slice(2), 16)
  if (FLOAT_NAN.test(text)) return text.slice(-3).toLowerCase() === 'nan' ? Number.NaN : text[0] === '-' ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY
  if (FLOAT_EXP.test(text) || FLOAT.test(text)) return Number.parseFloat(text)
  return text
}

/** Longest implicit key the library accepts is 1024 characters from its start to the `:`. */
const MAX_KEY = 1000

/** The key path to a collection, as links up to the top: a path array only for a message. */
type Trail = {up: Trail; segment: string | number} | undefined

function pathOf(trail: Trail, last: string | number): Array<string | number> {
  const path = [last]
  for (let link = trail; link; link = link.up) path.push(link.segment)
  return path.reverse()
}

interface Block {
  indent: number
  kind: 'map' | 'seq'
  value: Record<string, unknown> | unknown[]
  node?: ScanMap | ScanSeq
  trail: Trail
}

/** A `key:` with nothing after it yet: its value is a nested block, or null. */
interface Pending {
  parent: Block
  key: string
  keyStart: number
  /** Just after the `:`, where the library puts an empty value. */
  at: number
}

/**
 * Reads `text` as YAML when it is within the block subset; undefined when it is not (the caller
 * then uses the `yaml` library). `positions` also returns the node tree with offsets.
 */
export function scanYaml(text: string, options: {positions?: boolean} = {}): Scanned | undefined {
  if (UNSUPPORTED_CHARS.test(text)) return undefined
  try {
    return new Scanner(text, options.positions === true).run()
  } catch (error) {
    if (error instanceof Unrecognised) return undefined
    throw error
  }
}

class Scanner {
  readonly text: string
  readonly positions: boolean
  readonly duplicates: ScanDuplicate[] = []
  /** End (exclusive, before the newline) of the current line. */
  lineEnd = 0
  /** The node of the value read last (with positions only): a side channel, not an object per value. */
  node: ScanNode | undefined
  flow: FlowReader | undefined
  constructor(text: string, positions: boolean) {
    this.text = text
    this.positions = positions
  }

  run(): Scanned | undefined {
    const {text} = this
    const data: Record<string, unknown> = {}
    const root: ScanMap | undefined = this.positions ? newMap(0) : undefined
    const stack: Block[] = []
    let pending: Pending | undefined
    let sawContent = false

    let lineStart = 0
    while (lineStart < text.length) {
      let lineEnd = text.indexOf('\n', lineStart)
      if (lineEnd < 0) lineEnd = text.length
      this.lineEnd = lineEnd
      let at = lineStart
      while (at < lineEnd && text.charCodeAt(at) === SPACE) at++
      const indent = at - lineStart
      const first = text.charCodeAt(at)
      if (at === lineEnd || first === HASH) {
        lineStart = lineEnd + 1
        continue
      }

      if (!sawContent) {
        // The top level is a map starting at column 1; anything else goes to the library.
        if (indent !== 0) bail()
        sawContent = true
        if (root) root.start = at
        stack.push({indent: 0, kind: 'map', value: data, node: root, trail: undefined})
      }

      const isItem = first === DASH && (at + 1 === lineEnd || text.charCodeAt(at + 1) === SPACE)
      if (pending) {
        const parent = pending.parent
        if (indent > parent.indent || (indent === parent.indent && isItem && parent.kind === 'map')) {
          // The pending key's value is a nested block starting on this line.
          const trail = {up: parent.trail, segment: pending.key}
          const block: Block = isItem
            ? {indent, kind: 'seq', value: [], node: this.positions ? {kind: 'seq', start: at, items: []} : undefined, trail}
            : {indent, kind: 'map', value: {}, node: this.positions ? newMap(at) : undefined, trail}
          this.setPair(parent, pending.key, pending.keyStart, block.value, block.node)
          stack.push(block)
        } else {
          this.setPair(parent, pending.key, pending.keyStart, null, this.positions ? {kind: 'scalar', start: pending.at, end: pending.at} : undefined)
        }
        pending = undefined
      }

      // Close the blocks this line is outside of. A list written at its key's indentation
      // (`key:` then `- item` at the same column) ends at the next line that is not an item.
      let top = stack.at(-1)!
      while (top.indent > indent || (top.kind === 'seq' && top.indent === indent && !isItem && stack.length > 1 && stack.at(-2)!.indent === indent)) {
        stack.pop()
        top = stack.at(-1)!
        if (!top) bail()
      }
      if (top.indent !== indent) bail()

      if (top.kind === 'seq') {
        if (!isItem || at + 1 === lineEnd) bail()
        let itemAt = at + 2
        while (itemAt < lineEnd && text.charCodeAt(itemAt) === SPACE) itemAt++
        if (itemAt === lineEnd || text.charCodeAt(itemAt) === HASH) bail()
        const items = top.value as unknown[]
        const keyEnd = this.keyEnd(itemAt)
        if (keyEnd >= 0) {
          // `- key: value`: the item is a map whose keys line up with this first one.
          const block: Block = {indent: itemAt - lineStart, kind: 'map', value: {}, node: this.positions ? newMap(itemAt) : undefined, trail: {up: top.trail, segment: items.length}}
          items.push(block.value)
          ;(top.node as ScanSeq | undefined)?.items.push(block.node!)
          stack.push(block)
          pending = this.pair(block, itemAt, keyEnd)
        } else {
          items.push(this.value(itemAt, top.trail, items.length))
          ;(top.node as ScanSeq | undefined)?.items.push(this.node!)
        }
      } else {
        if (isItem) bail()
        const keyEnd = this.keyEnd(at)
        if (keyEnd < 0) bail()
        pending = this.pair(top, at, keyEnd)
      }
      lineStart = lineEnd + 1
    }

    if (!sawContent) return undefined
    if (pending) {
      this.setPair(pending.parent, pending.key, pending.keyStart, null, this.positions ? {kind: 'scalar', start: pending.at, end: pending.at} : undefined)
    }
    return {data, ...(root ? {root} : {}), duplicates: this.duplicates}
  }

  /**
   * Where the `:` of a key starting at `at` is, when the line from `at` is `key: ...` or `key:`;
   * -1 when it is not a key (a scalar). Keys are plain or quoted strings on the line.
   */
  keyEnd(at: number): number {
    const {text} = this
    const c = text.charCodeAt(at)
    if (c === DQUOTE || c === SQUOTE) {
      const close = this.quoteEnd(at, this.lineEnd)
      return text.charCodeAt(close) === COLON && this.separates(close + 1) ? close : -1
    }
    if (isIndicatorStart(c)) return -1
    for (let i = at + 1; i < this.lineEnd; i++) {
      const ch = text.charCodeAt(i)
      if (ch === COLON && this.separates(i + 1)) return i
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) return -1
    }
    return -1
  }

  /** Whether position `i` ends a `:` indicator in block context: a space or the end of the line. */
  separates(i: number): boolean {
    return i >= this.lineEnd || this.text.charCodeAt(i) === SPACE
  }

  /** Reads `key: value` (or `key:`) into `block`; returns the pending key when the value is empty. */
  pair(block: Block, at: number, colon: number): Pending | undefined {
    const key = this.keyText(at, colon)
    let valueAt = colon + 1
    while (valueAt < this.lineEnd && this.text.charCodeAt(valueAt) === SPACE) valueAt++
    if (valueAt === this.lineEnd || this.text.charCodeAt(valueAt) === HASH) {
      return {parent: block, key, keyStart: at, at: colon + 1}
    }
    const value = this.value(valueAt, block.trail, key)
    this.setPair(block, key, at, value, this.node)
    return undefined
  }

  /** The text of the key from `at` to the `:` at `colon`; only keys that are strings. */
  keyText(at: number, colon: number): string {
    const {text} = this
    const c = text.charCodeAt(at)
    let key: string
    if (c === DQUOTE || c === SQUOTE) {
      key = this.quoted(at, colon)
    } else {
      key = text.slice(at, colon).trimEnd()
      if (key.length > MAX_KEY || typeof resolvePlain(key) !== 'string') bail()
    }
    if (key === '__proto__' || key === '<<') bail()
    return key
  }

  /** Stores a pair, noting a repeated key (the first value stays, as the duplicate is an error). */
  setPair(block: Block, key: string, keyStart: number, value: unknown, node: ScanNode | undefined): void {
    const map = block.value as Record<string, unknown>
    if (Object.hasOwn(map, key)) {
      const first = block.node ? (block.node as ScanMap).keyStarts[(block.node as ScanMap).index.get(key)!] : -1
      this.duplicates.push({path: pathOf(block.trail, key), at: keyStart, first})
      return
    }
    map[key] = value
    const mapNode = block.node as ScanMap | undefined
    if (mapNode) {
      mapNode.index.set(key, mapNode.keys.length)
      mapNode.keys.push(key)
      mapNode.keyStarts.push(keyStart)
      mapNode.values.push(node!)
    }
  }

  /** A value in block context from `at` to the end of the line (a trailing comment allowed). */
  value(at: number, up: Trail, segment: string | number): unknown {
    const {text} = this
    const c = text.charCodeAt(at)
    let end: number
    let result: unknown
    if (c === LBRACKET || c === LBRACE) {
      const flow = (this.flow ??= new FlowReader(this))
      result = flow.collection(at, {up, segment})
      end = flow.at
    } else if (c === DQUOTE || c === SQUOTE) {
      const close = this.quoteEnd(at, this.lineEnd)
      end = close
      result = this.quoted(at, close)
      this.node = this.positions ? {kind: 'scalar', start: at, end: close} : undefined
    } else {
      if (isIndicatorStart(c) && !(c === DASH && at + 1 < this.lineEnd && text.charCodeAt(at + 1) !== SPACE)) bail()
      // Plain: to a ` #` comment or the end of the line.
      let stop = this.lineEnd
      for (let i = at + 1; i < this.lineEnd; i++) {
        const ch = text.charCodeAt(i)
        if (ch === HASH && text.charCodeAt(i - 1) === SPACE) {
          stop = i
          break
        }
        // `a: b: c` and `a: b:` are errors (or keys) to the library.
        if (ch === COLON && this.separates(i + 1)) bail()
      }
      let last = stop
      while (text.charCodeAt(last - 1) === SPACE) last--
      const raw = text.slice(at, last)
      this.node = this.positions ? {kind: 'scalar', start: at, end: last} : undefined
      return resolvePlain(raw)
    }
    // After a quoted scalar or a flow collection: spaces, then the end of the line or a comment.
    let i = end
    while (i < this.lineEnd && text.charCodeAt(i) === SPACE) i++
    if (i < this.lineEnd && !(text.charCodeAt(i) === HASH && i > end)) bail()
    return result
  }

  /** Just after the closing quote of the quoted scalar at `at`, on this line. */
  quoteEnd(at: number, limit: number): number {
    const {text} = this
    const quote = text.charCodeAt(at)
    for (let i = at + 1; i < limit; i++) {
      const c = text.charCodeAt(i)
      if (quote === DQUOTE) {
        if (c === 0x5c /* \ */) bail()
        if (c === DQUOTE) return i + 1
      } else if (c === SQUOTE) {
        if (text.charCodeAt(i + 1) === SQUOTE && i + 1 < limit) i++
        else return i + 1
      }
    }
    return bail()
  }

  /** The value of the quoted scalar from `at` to `end` (just after its closing quote). */
  quoted(at: number, end: number): string {
    const inner = this.text.slice(at + 1, end - 1)
    return this.text.charCodeAt(at) === SQUOTE ? inner.replaceAll("''", "'") : inner
  }
}

function newMap(start: number): ScanMap {
  return {kind: 'map', start, keys: [], keyStarts: [], values: [], index: new Map()}
}

/** A flow collection that opens and closes on one line, with plain or quoted scalars inside. */
class FlowReader {
  at = 0
  readonly #scanner: Scanner
  constructor(scanner: Scanner) {
    this.#scanner = scanner
  }

  /** Reads the collection at `at`; its node (with positions) is left in the scanner's `node`. */
  collection(at: number, trail: Trail): unknown {
    const {text, positions} = this.#scanner
    const open = text.charCodeAt(at)
    this.at = at + 1
    this.#spaces()
    if (open === LBRACKET) {
      const items: unknown[] = []
      const node: ScanSeq | undefined = positions ? {kind: 'seq', start: at, items: []} : undefined
      if (text.charCodeAt(this.at) === RBRACKET) {
        this.at++
        this.#scanner.node = node
        return items
      }
      for (;;) {
        items.push(this.#value(trail, items.length))
        node?.items.push(this.#scanner.node!)
        if (this.#next(RBRACKET)) {
          this.#scanner.node = node
          return items
        }
      }
    }
    const map: Record<string, unknown> = {}
    const node: ScanMap | undefined = positions ? newMap(at) : undefined
    if (text.charCodeAt(this.at) === RBRACE) {
      this.at++
      this.#scanner.node = node
      return map
    }
    for (;;) {
      const keyStart = this.at
      const c = text.charCodeAt(keyStart)
      let key: string
      if (c === DQUOTE || c === SQUOTE) {
        const close = this.#scanner.quoteEnd(keyStart, this.#scanner.lineEnd)
        key = this.#scanner.quoted(keyStart, close)
        this.at = close
      } else {
        key = this.#plain(true)
        if (key.length > MAX_KEY || typeof resolvePlain(key) !== 'string') bail()
      }
      if (key === '__proto__' || key === '<<') bail()
      if (text.charCodeAt(this.at) !== COLON || text.charCodeAt(this.at + 1) !== SPACE) bail()
      this.at += 2
      this.#spaces()
      const value = this.#value(trail, key)
      if (Object.hasOwn(map, key)) {
        this.#scanner.duplicates.push({path: pathOf(trail, key), at: keyStart, first: node ? node.keyStarts[node.index.get(key)!] : -1})
      } else {
        map[key] = value
        if (node) {
          node.index.set(key, node.keys.length)
          node.keys.push(key)
          node.keyStarts.push(keyStart)
          node.values.push(this.#scanner.node!)
        }
      }
      if (this.#next(RBRACE)) {
        this.#scanner.node = node
        return map
      }
    }
  }

  /** After an entry: `,` and the next entry, or the closing bracket (true). */
  #next(close: number): boolean {
    const {text} = this.#scanner
    this.#spaces()
    const c = text.charCodeAt(this.at)
    if (c === close) {
      this.at++
      return true
    }
    if (c !== COMMA) bail()
    this.at++
    this.#spaces()
    // `[a, ]` and `[a,,b]` go to the library.
    const after = text.charCodeAt(this.at)
    if (after === COMMA || after === RBRACKET || after === RBRACE || this.at >= this.#scanner.lineEnd) bail()
    return false
  }

  #value(up: Trail, segment: string | number): unknown {
    const scanner = this.#scanner
    const {text, positions} = scanner
    const start = this.at
    const c = text.charCodeAt(start)
    if (c === LBRACKET || c === LBRACE) return this.collection(start, {up, segment})
    if (c === DQUOTE || c === SQUOTE) {
      const close = scanner.quoteEnd(start, scanner.lineEnd)
      this.at = close
      scanner.node = positions ? {kind: 'scalar', start, end: close} : undefined
      return scanner.quoted(start, close)
    }
    const raw = this.#plain(false)
    scanner.node = positions ? {kind: 'scalar', start, end: start + raw.length} : undefined
    return resolvePlain(raw)
  }

  /** A plain scalar in flow context; stops at `,`, a closing bracket, or `: ` (a key's end). */
  #plain(isKey: boolean): string {
    const {text, lineEnd} = this.#scanner
    const start = this.at
    const c = text.charCodeAt(start)
    if (start >= lineEnd || (isIndicatorStart(c) && !(c === DASH && start + 1 < lineEnd && !isSeparator(text.charCodeAt(start + 1))))) bail()
    let i = start + 1
    for (; i < lineEnd; i++) {
      const ch = text.charCodeAt(i)
      if (ch === COMMA || ch === RBRACKET || ch === RBRACE) break
      if (ch === LBRACKET || ch === LBRACE) bail()
      if (ch === HASH && text.charCodeAt(i - 1) === SPACE) bail()
      if (ch === COLON) {
        const next = i + 1 < lineEnd ? text.charCodeAt(i + 1) : NEWLINE
        if (isSeparator(next) || isFlowIndicator(next)) {
          // The end of a key in a flow map; in a list (`[a: b]`) a one-pair map: the library's.
          if (isKey && next === SPACE) break
          bail()
        }
      }
    }
    if (i >= lineEnd) bail()
    let last = i
    while (text.charCodeAt(last - 1) === SPACE) last--
    this.at = last
    this.#spaces()
    if (isKey && text.charCodeAt(this.at) !== COLON) bail()
    if (isKey) this.at = i
    return text.slice(start, last)
  }

  #spaces(): void {
    const {text, lineEnd} = this.#scanner
    while (this.at < lineEnd && text.charCodeAt(this.at) === SPACE) this.at++
  }
}

const isSeparator = (c: number): boolean => c === SPACE || c === NEWLINE || Number.isNaN(c)
