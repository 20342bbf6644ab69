import {Writable} from 'node:stream'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {JsonList, jsonPieces, writeJson} from '../../../src/cli/json-stream.js'
import {DEFAULT_POLICY} from '../../../src/keys/types.js'
import {generateKey} from '../../../src/keys/generate.js'
import {redact, redactDeep, registerKeyFormats, registerSecret, resetRedactor} from '../../../src/redact/index.js'

/**
 * The streamed `--json` document must be byte for byte what logJson printed before:
 * JSON.stringify(redactDeep(value), null, 2) (or of the value itself with --reveal), and every
 * string the copy masked must be masked in the stream.
 */
const SECRET = 'hunter2-s3cr3t-value'
// As logJson printed it: a template literal (JSON.stringify(undefined) printed `undefined`).
const old = (value: unknown, masked: boolean) => `${JSON.stringify(masked ? redactDeep(value) : value, null, 2)}`
const streamed = (value: unknown, masked: boolean, pieceSize?: number) =>
  [...jsonPieces(value, masked ? redact : undefined, pieceSize)].map((piece) => piece ?? 'undefined').join('')

class WithPrototypeToJson {
  constructor(readonly secret: string) {}
  toJSON() {
    return {kind: 'custom', secret: this.secret}
  }
}

function documents(key: string): Array<[string, unknown]> {
  const sparse: unknown[] = [1]
  sparse[3] = 'x'
  const ownToJson = {a: SECRET, toJSON() { return {wrapped: (this as {a: string}).a, at: new Date('2026-01-01T00:00:00Z')} }}
  return [
    ['empty containers', {a: {}, b: [], c: [[], {}], d: {e: undefined, f: () => 1}}],
    ['nested arrays', [[1, [2, [3, [SECRET, []]]]], [[[]]], [null, undefined, () => 0, Symbol('s')]]],
    ['numbers', {nan: Number.NaN, inf: Infinity, ninf: -Infinity, zero: -0, big: 1e21, small: 5e-7, neg: -12.5, list: [Number.NaN, 1e300]}],
    ['unicode and escapes', {s: 'caf\u00e9 \u{1F600} \u2028\u2029 "quoted" back\\slash \n\t\r\b\f \u0000\u001f', lone: '\ud800 \udfff', 'k\u00e9y "q"\n': 'v'}],
    ['undefined handling', {u: undefined, list: [undefined], fn() {}, sym: Symbol('x'), nested: {only: undefined}}],
    ['dates', {at: new Date('2026-03-02T10:00:00Z'), bad: new Date(Number.NaN), list: [new Date(0)]}],
    ['secrets', {message: `failed with ${SECRET} in it`, list: [SECRET, `pre${SECRET}post`, 'clean'], deep: {deeper: [{v: SECRET}]}, key, url: 'https://user:pa55word@example.com/x'}],
    ['secret as a property name (left as redactDeep leaves it)', {[SECRET]: 1}],
    ['own toJSON', {x: ownToJson}],
    ['prototype toJSON and other classes', {c: new WithPrototypeToJson(SECRET), m: new Map([[1, 2]]), s: new Set([1]), u: new URL('https://u:p@h/x'), b: Buffer.from('hi')}],
    ['boxed primitives', {n: new Number(3), s: new String('abcd'), t: new Boolean(false)}],
    ['sparse and numeric keys', {list: sparse, obj: {b: 1, 2: 'two', a: 3, 1: 'one'}}],
    ['top-level string', `top ${SECRET}`],
    ['top-level number', 42],
    ['top-level null', null],
    ['top-level undefined', undefined],
    ['top-level empty array', []],
    ['deep nesting', JSON.parse(`${'['.repeat(200)}"${SECRET}"${']'.repeat(200)}`)],
  ]
}

/** A seeded random document: every kind of value, nested, with secrets in some strings. */
function randomDocument(seed: number, key: string): unknown {
  let state = seed
  const next = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648
  }
  const strings = ['', 'a', 'plain text', SECRET, `x${SECRET}y`, key, '\u00e9\u{1F600}', '"\\\n', 'http://a:b@c', '\ud83d']
  const value = (depth: number): unknown => {
    const r = next()
    if (depth > 5 || r < 0.35) {
      const pick = Math.floor(next() * 9)
      return [strings[Math.floor(next() * strings.length)], next() * 1000 - 500, Math.floor(next() * 10), true, null, undefined, Number.NaN, new Date(Math.floor(next() * 2e12)), false][pick]
    }
    if (r < 0.65) return Array.from({length: Math.floor(next() * 5)}, () => value(depth + 1))
    return Object.fromEntries(Array.from({length: Math.floor(next() * 6)}, (_, i) => [`${strings[Math.floor(next() * strings.length)]}${i}`, value(depth + 1)]))
  }
  return {schemaVersion: 1, secrets: Array.from({length: 20}, () => value(0)), warnings: [`w ${SECRET}`]}
}

describe('the streamed --json document', () => {
  let key: string
  beforeEach(() => {
    resetRedactor()
    registerSecret(SECRET)
    registerKeyFormats([{...DEFAULT_POLICY, prefix: 'rtr_', checksum: 'crc32'}])
    key = generateKey({...DEFAULT_POLICY, prefix: 'rtr_', checksum: 'crc32'}).value
  })
  afterEach(() => resetRedactor())

  it('is byte for byte JSON.stringify of the redacted copy, and of the value when revealing', () => {
    for (const [name, doc] of documents(key)) {
      expect(streamed(doc, true), name).toBe(old(doc, true))
      expect(streamed(doc, false), `${name} (revealing)`).toBe(old(doc, false))
    }
  })

  it('is the same text in pieces of any size', () => {
    for (const [name, doc] of documents(key)) for (const size of [1, 7, 100]) expect(streamed(doc, true, size), `${name} / ${size}`).toBe(old(doc, true))
  })

  it('matches on random documents', () => {
    for (let seed = 1; seed <= 200; seed++) {
      const doc = randomDocument(seed, key)
      expect(streamed(doc, true, 64), `seed ${seed}`).toBe(old(doc, true))
      expect(streamed(doc, false, 64), `seed ${seed} (revealing)`).toBe(old(doc, false))
    }
  })

  it('masks every value the redactor knows, as the copy did', () => {
    const [, doc] = documents(key).find(([name]) => name === 'secrets')!
    const text = streamed(doc, true)
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(key)
    expect(text).not.toContain('pa55word')
    expect(text.match(/\[redacted\]/g)?.length).toBe(6)
    // Without a mask (--reveal) the values are there: the assertion above is not vacuous.
    expect(streamed(doc, false)).toContain(SECRET)
  })

  it('fails on a cycle, as JSON.stringify does', () => {
    const doc: Record<string, unknown> = {a: 1}
    doc.self = {doc}
    expect(() => streamed(doc, false)).toThrow(TypeError)
    expect(() => streamed({n: 1n}, true)).toThrow(TypeError)
  })
})

describe('a JsonList in the document', () => {
  beforeEach(() => {
    resetRedactor()
    registerSecret(SECRET)
  })
  afterEach(() => resetRedactor())

  /** A document whose list makes each item when asked, and fills `after` as it goes (as `status` fills `blocked`). */
  function document(items: unknown[]) {
    const made: number[] = []
    const after: string[] = []
    function* make() {
      for (const [i, item] of items.entries()) {
        made.push(i)
        after.push(`after ${i}`)
        yield item
      }
      after.push('done')
    }
    return {doc: {schemaVersion: 1, before: 'x', list: new JsonList(make()), after, tail: {n: 1}}, made, after}
  }
  const items = [{name: 'a', list: [1, {deep: SECRET}], at: new Date(0)}, `text ${SECRET}`, [], {}, null, undefined, 3]
  // What the document says once the list is made: an array in its place, `after` filled.
  const asArray = () => ({schemaVersion: 1, before: 'x', list: items, after: [...items.map((_, i) => `after ${i}`), 'done'], tail: {n: 1}})

  it('is written as the array of its items, with the fields after it as they are once it is made', () => {
    for (const masked of [true, false]) {
      for (const size of [1, 50, 1 << 16]) {
        expect(streamed(document(items).doc, masked, size), `${masked} ${size}`).toBe(old(asArray(), masked))
      }
    }
    expect(streamed(document([]).doc, true)).toBe(old({schemaVersion: 1, before: 'x', list: [], after: ['done'], tail: {n: 1}}, true))
    // Masked like an array's items: the secret is not in the text.
    expect(streamed(document(items).doc, true)).not.toContain(SECRET)
  })

  it('makes each item only when the text reaches it', () => {
    let text = ''
    const seen: string[] = []
    function* make() {
      for (const item of items) {
        seen.push(text) // the text written when this item is asked for
        yield item
      }
    }
    for (const piece of jsonPieces({before: 'x', list: new JsonList(make()), after: 'y'}, redact, 1)) text += piece
    expect(seen).toHaveLength(items.length)
    expect(seen[0].endsWith('"list": [')).toBe(true)
    // Each next item is asked for once the one before it is written, and none after the list closed.
    for (let i = 1; i < seen.length; i++) expect(seen[i].length).toBeGreaterThan(seen[i - 1].length)
    expect(seen.some((t) => t.includes('"after"'))).toBe(false)
    expect(seen.at(-1)!.endsWith('null')).toBe(true) // undefined, the item before the last, written as null
  })

  it('is the array of its items to JSON.stringify', () => {
    expect(JSON.stringify(document(items).doc, null, 2)).toBe(JSON.stringify(asArray(), null, 2))
  })
})

describe('writeJson', () => {
  beforeEach(() => {
    resetRedactor()
    registerSecret(SECRET)
  })
  afterEach(() => resetRedactor())

  const big = {schemaVersion: 1, secrets: Array.from({length: 3000}, (_, i) => ({name: `s${i}`, detail: i % 7 === 0 ? SECRET : 'ok', targets: [{target: `one:app/s${i}`}]})), warnings: []}

  it('waits for a slow reader to drain, holds at most a piece beyond its buffer, and ends with a newline', async () => {
    const received: string[] = []
    let maxBuffered = 0
    const slow = new Writable({
      highWaterMark: 1024,
      write(chunk: Buffer, _encoding, callback) {
        received.push(chunk.toString())
        setTimeout(callback, 1)
      },
    })
    const write = slow.write.bind(slow)
    slow.write = ((chunk: string, ...rest: never[]) => {
      const ok = write(chunk, ...rest)
      maxBuffered = Math.max(maxBuffered, slow.writableLength)
      return ok
    }) as typeof slow.write
    await writeJson(slow, big, redact)
    expect(received.join('')).toBe(`${old(big, true)}\n`)
    expect(received.join('')).not.toContain(SECRET)
    // Never more queued than one piece (64 KiB) plus what was there: the writer waited for 'drain'.
    expect(maxBuffered).toBeLessThanOrEqual(1024 + (1 << 16) + 64)
    expect(received.join('').length).toBeGreaterThan(4 * (1 << 16))
  })

  it('stops writing to a stream that was destroyed (EPIPE) without throwing', async () => {
    let writes = 0
    const closing = new Writable({
      highWaterMark: 1024,
      write(_chunk, _encoding, callback) {
        writes++
        if (writes === 2) {
          this.destroy()
          return
        }
        callback()
      },
    })
    closing.on('error', () => undefined)
    await writeJson(closing, big, redact)
    expect(writes).toBe(2)
  })
})
