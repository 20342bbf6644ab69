/**
 * A `--json` document written to stdout as it is serialised, with each string redacted as it is
 * written, instead of a redacted deep copy and then one JSON.stringify of it all (for a fleet's
 * `status`, a copy of a ~60 MB document and a ~60 MB string). The text is byte for byte
 * `JSON.stringify(mask ? redactDeep(value) : value, null, 2)` (test/unit/cli/json-stream.test.ts):
 * - masked (`mask` given), as redactDeep's copy reads: every string value is masked (property
 *   names are not, as redactDeep leaves them); objects other than arrays and Dates are their own
 *   enumerable properties (a class's prototype `toJSON` is lost in the copy, an own `toJSON` is
 *   called on the masked copy); a Date's `toJSON` is called and its result is not masked;
 * - revealing (no `mask`), as JSON.stringify reads the value itself.
 * Values `toJSON` returns are written as JSON.stringify writes them, unmasked, as before.
 * One difference on failure only: a cycle or a BigInt throws after the text before it was written.
 * A JsonList is written as the array of its items, pulled one at a time as the text reaches them.
 */

type Mask = (text: string) => string

/**
 * A list in a --json document that is made while it is written: jsonPieces (writeJson) pulls
 * each item as the text reaches it, so a list too big to hold (`status` over a fleet: 100,000
 * rows, each made from facts that are garbage once it is written) never is. Everything else sees
 * the array of its items through toJSON (JSON.stringify); redactDeep's copy does not, so a
 * document holding one is written by writeJson only. Its items are made once: write it once.
 * Fields that come after it in the document may be filled while its items are made (`status`:
 * `blocked`): jsonPieces reads each field when it reaches it.
 */
export class JsonList<T> {
  constructor(private readonly items: Iterable<T>) {}

  [Symbol.iterator](): Iterator<T> {
    return this.items[Symbol.iterator]()
  }

  toJSON(): T[] {
    return [...this.items]
  }
}

interface Frame {
  /** The array, or the object's property names. */
  items: readonly unknown[]
  /** A JsonList's items, in place of `items`. */
  pull?: Iterator<unknown>
  source: Record<string, unknown> | unknown[] | JsonList<unknown>
  array: boolean
  index: number
  written: number
  depth: number
  masked: boolean
}

const INDENT = ['\n']
const indent = (depth: number): string => (INDENT[depth] ??= `${indent(depth - 1)}  `)

/** The document's text in pieces of about `pieceSize` characters; undefined alone when JSON.stringify returns undefined. */
export function* jsonPieces(value: unknown, mask?: Mask, pieceSize = 1 << 16): Generator<string | undefined> {
  const stack: Frame[] = []
  const open = new Set<object>()
  const quotedKeys = new Map<string, string>()
  let out = ''

  /** A primitive's text, a container's frame (its bracket written), or undefined to leave out. */
  const start = (input: unknown, key: string, depth: number, masked: boolean, toJsonDone = false): string | Frame | undefined => {
    const v = input
    if (typeof v === 'string') return JSON.stringify(masked ? mask!(v) : v)
    if (v === null) return 'null'
    if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null'
    if (typeof v === 'boolean') return v ? 'true' : 'false'
    if (typeof v === 'bigint') return JSON.stringify(v) // throws, as it did
    if (typeof v !== 'object') return undefined // undefined, function, symbol
    if (v instanceof JsonList) {
      if (open.has(v)) throw new TypeError('Converting circular structure to JSON')
      open.add(v)
      return {items: [], pull: v[Symbol.iterator](), source: v, array: true, index: 0, written: 0, depth, masked}
    }
    if (!toJsonDone) {
      // redactDeep keeps a Date and copies other objects' own enumerable properties (an own toJSON among them).
      const toJSON = !masked || v instanceof Date || (!Array.isArray(v) && Object.prototype.propertyIsEnumerable.call(v, 'toJSON')) ? (v as {toJSON?: unknown}).toJSON : undefined
      if (typeof toJSON === 'function') {
        const self = masked && !(v instanceof Date) ? maskedCopy(v, mask!) : v
        return start(toJSON.call(self, key), key, depth, false, true)
      }
    }
    // JSON.stringify unwraps boxed primitives; redactDeep copied their indexed characters instead.
    if (!masked && (v instanceof Number || v instanceof String || v instanceof Boolean || v instanceof BigInt)) return JSON.stringify(v)
    if (open.has(v)) throw new TypeError('Converting circular structure to JSON')
    const array = Array.isArray(v)
    if (array && (v as unknown[]).length === 0) return '[]'
    open.add(v)
    return {items: array ? (v as unknown[]) : Object.keys(v), source: v as Record<string, unknown>, array, index: 0, written: 0, depth, masked}
  }

  const top = start(value, '', 0, mask !== undefined)
  if (typeof top !== 'object') {
    yield top
    return
  }
  out = top.array ? '[' : '{'
  stack.push(top)
  while (stack.length > 0) {
    const frame = stack.at(-1)!
    const step = frame.pull?.next()
    if (step ? step.done : frame.index >= frame.items.length) {
      stack.pop()
      open.delete(frame.source)
      out += frame.written > 0 ? `${indent(frame.depth)}${frame.array ? ']' : '}'}` : frame.array ? ']' : '}'
      continue
    }
    const at = frame.index++
    let child: string | Frame | undefined
    let prefix: string
    if (frame.array) {
      child = start(step ? step.value : frame.items[at], String(at), frame.depth + 1, frame.masked) ?? 'null'
      prefix = frame.written > 0 ? `,${indent(frame.depth + 1)}` : indent(frame.depth + 1)
    } else {
      const key = frame.items[at] as string
      child = start((frame.source as Record<string, unknown>)[key], key, frame.depth + 1, frame.masked)
      if (child === undefined) continue
      let quoted = quotedKeys.get(key)
      if (quoted === undefined) quotedKeys.set(key, (quoted = `${JSON.stringify(key)}: `))
      prefix = frame.written > 0 ? `,${indent(frame.depth + 1)}${quoted}` : `${indent(frame.depth + 1)}${quoted}`
    }
    frame.written++
    if (typeof child === 'string') out += prefix + child
    else {
      out += prefix + (child.array ? '[' : '{')
      stack.push(child)
    }
    if (out.length >= pieceSize) {
      yield out
      out = ''
    }
  }
  if (out.length > 0) yield out
}

/** redactDeep's copy, for an object whose own toJSON is called on it (as JSON.stringify did on the copy). */
function maskedCopy(value: object, mask: Mask): unknown {
  const copy = (v: unknown): unknown => {
    if (typeof v === 'string') return mask(v)
    if (Array.isArray(v)) return v.map((item) => copy(item))
    if (v !== null && typeof v === 'object' && !(v instanceof Date)) return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, copy(item)]))
    return v
  }
  return copy(value)
}

/**
 * Writes the document and a newline to STREAM, waiting for it to drain when its buffer is full
 * (a pipe to a slow reader holds no more than its buffer), and resolves once the last piece is
 * handed to the system, so a process may exit after it. A stream that closed or failed (EPIPE:
 * `rotor status --json | head`) gets nothing more.
 */
export async function writeJson(stream: NodeJS.WritableStream & {destroyed?: boolean}, value: unknown, mask?: Mask): Promise<void> {
  for (const piece of jsonPieces(value, mask)) {
    if (stream.destroyed) return
    // JSON.stringify(undefined) printed as a template literal: `undefined`.
    if (!stream.write(piece ?? 'undefined')) await drained(stream)
  }
  if (stream.destroyed) return
  await new Promise<void>((resolve) => {
    stream.write('\n', () => resolve())
  })
}

function drained(stream: NodeJS.WritableStream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done)
      stream.off('close', done)
      stream.off('error', done)
      resolve()
    }
    stream.on('drain', done)
    stream.on('close', done)
    stream.on('error', done)
  })
}
