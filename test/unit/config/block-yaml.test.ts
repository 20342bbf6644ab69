import {describe, expect, it} from 'vitest'
import {isMap, isScalar, isSeq, LineCounter, parseDocument} from 'yaml'
import {scanYaml} from '../../../src/config/block-yaml.js'
import {findDuplicateKeys} from '../../../src/config/duplicates.js'
import {keyText, Locator, type KeyPath} from '../../../src/config/locate.js'
import {ScanLocator} from '../../../src/config/scan-locate.js'
import {pick, prng} from './helpers.js'

// Scalars that resolve to every core-schema type, and text that is only almost plain.
const SCALARS = [
  'a', 'payments', 'one:app/s000001', 'Europe/Berlin', '0 3 1 1 *', 'a b', 'a#b', 'a #b', 'a: b', 'a:b', 'a:', 'x,y', 'a[0]', 'b}',
  '1', '-1', '+1', '012', '0o17', '0o8', '0x1F', '0X1F', '1.5', '1.', '.5', '1e3', '1.5E-2', '1_000', '.inf', '-.Inf', '+.INF', '.nan', '.NaN',
  'null', 'Null', 'NULL', 'nULL', '~', 'true', 'True', 'TRUE', 'tRUE', 'false', 'no', 'yes', 'on', '10d', '24h', 'é', '日本',
  '-x', '- x', '-', '?x', '? x', ':x', '@x', '`x', '%x', '!x', '!!str x', '&a x', '*a', '|', '>', '#', '__proto__', '<<', 'constructor', 'toString',
  '"q"', '"q r: s"', '"a\\"b"', '"a\\nb"', "'q'", "'it''s'", "'a'b'", '""', "''", '"unterminated', '[x]', '[x, y]', '[]', '{}', '{x: y}',
  '{x: 1, y: [a, b]}', '[a, {b: c}]', '[a, ]', '[a,,b]', '{a, b}', '{a: }', '{a:b}', '[a: b]', '{"a": 1}', "{'a': 'b'}", '[a # c]', '{x: y}}',
  '[one:app/a, two:app/b]', '{cron: "0 3 1 1 *", timezone: Europe/Berlin}', '${VAR}', '"${VAR}"', 'a   ', '  a',
]
const KEYS = ['a', 'b', 'c', 'name', 'secrets', 's000001', 's000001', '1', '"1"', "'q'", '"a b"', 'a b', 'true', 'null', '~', 'x:y', '-k', '__proto__', '<<', '12', 'k ', '"k"', 'ünï']

/** What fleet configs are made of, picked more often so that most files stay in the subset. */
const COMMON = ['a', 'one:app/s000001', '0 3 1 1 *', '90d', '1', 'true', '~', '"q r: s"', "'it''s'", '[x, y]', '{cron: "0 3 1 1 *", timezone: Europe/Berlin}', '{x: 1, y: [a, b]}', 'a b']
const scalar = (random: () => number): string => (random() < 0.6 ? pick(random, COMMON) : pick(random, SCALARS))

/** A random YAML-ish text: mostly the block subset, with some lines and characters that are not. */
function randomText(random: () => number): string {
  const lines: string[] = []
  const step = random() < 0.8 ? 2 : pick(random, [1, 3, 4])
  const block = (indent: number, depth: number, inSeq: boolean): void => {
    const entries = 1 + Math.floor(random() * 4)
    const pad = ' '.repeat(indent)
    for (let i = 0; i < entries; i++) {
      const roll = random()
      const comment = random() < 0.1 ? pick(random, [' # note', '  #x', '#x']) : ''
      if (random() < 0.05) lines.push(pick(random, ['', '# comment', `${pad}# indented comment`, '   ', '---', '...', `${pad}  stray`, '\t- x', 'a: b\r']))
      if (inSeq) {
        if (roll < 0.3 && depth < 3) {
          const [first, ...rest] = [pick(random, KEYS), pick(random, KEYS)]
          lines.push(`${pad}- ${first}: ${scalar(random)}${comment}`)
          for (const key of rest) lines.push(`${pad}  ${key}: ${scalar(random)}`)
        } else if (roll < 0.4 && depth < 3) {
          // An item map whose first key holds a nested block (or nothing).
          lines.push(`${pad}-${' '.repeat(1 + Math.floor(random() * 2))}${pick(random, KEYS)}:${comment}`)
          if (random() < 0.8) block(indent + 2 + step, depth + 1, random() < 0.4)
        } else {
          lines.push(`${pad}-${random() < 0.1 ? '' : ' '}${scalar(random)}${comment}`)
        }
        continue
      }
      const key = pick(random, KEYS)
      if (roll < 0.25 && depth < 3) {
        lines.push(`${pad}${key}:${comment}`)
        const compact = random() < 0.2
        if (random() < 0.4) block(compact ? indent : indent + step, depth + 1, true)
        else block(indent + step, depth + 1, false)
      } else if (roll < 0.3) {
        lines.push(`${pad}${key}:${comment}`) // empty value
      } else {
        lines.push(`${pad}${key}:${random() < 0.05 ? '' : ' '}${scalar(random)}${comment}`)
      }
    }
  }
  block(0, 0, false)
  let text = lines.join('\n') + (random() < 0.9 ? '\n' : '')
  if (random() < 0.3) {
    // A stray character somewhere.
    const at = Math.floor(random() * text.length)
    text = text.slice(0, at) + pick(random, [' ', ':', '-', '#', '"', "'", '[', '{', ',', '\n', '  ']) + text.slice(at)
  }
  return text
}

/** Every key path in the library's document, with the string scalars' text. */
function pathsOf(node: unknown, path: Array<string | number>, out: Array<{path: KeyPath; text?: string}>): void {
  out.push({path, ...(isScalar(node) && typeof node.value === 'string' ? {text: node.value} : {})})
  if (isMap(node)) for (const pair of node.items) pathsOf(pair.value, [...path, keyText(pair.key)], out)
  else if (isSeq(node)) node.items.forEach((item, index) => pathsOf(item, [...path, index], out))
}

/** Asserts that where the fast reader accepts `text`, it reads exactly what the library reads. */
function compare(text: string): 'scanned' | 'library' {
  const scanned = scanYaml(text, {positions: true})
  if (!scanned) return 'library'
  const fast = scanYaml(text)
  const lines = new LineCounter()
  const doc = parseDocument(text, {lineCounter: lines, uniqueKeys: false, prettyErrors: false})
  const context = `for ${JSON.stringify(text)}`
  expect(doc.errors.map((error) => error.message), context).toEqual([])
  expect(isMap(doc.contents), context).toBe(true)
  const locator = new Locator(doc, lines, text)
  const scanLocator = new ScanLocator(text, scanned.data, scanned.root)
  const lazyLocator = new ScanLocator(text, fast!.data)

  const duplicates = findDuplicateKeys(doc).map(({path, key, first}) => ({path, at: locator.node(key), first: locator.node(first)}))
  const ours = scanned.duplicates.map(({path, at, first}) => ({path, at: scanLocator.offset(at), first: scanLocator.offset(first)}))
  expect(ours, context).toEqual(duplicates)
  expect(fast!.duplicates.map((d) => d.path), context).toEqual(duplicates.map((d) => d.path))
  if (duplicates.length > 0) return 'scanned'

  expect(scanned.data, context).toStrictEqual(doc.toJS())
  expect(fast!.data, context).toStrictEqual(doc.toJS())
  const paths: Array<{path: KeyPath; text?: string}> = []
  pathsOf(doc.contents, [], paths)
  for (const {path, text: value} of paths) {
    for (const probe of [path, [...path, 'missing'], [...path, 0]]) {
      const where = `${context} at ${JSON.stringify(probe)}`
      expect(scanLocator.value(probe), where).toEqual(locator.value(probe))
      expect(scanLocator.key(probe), where).toEqual(locator.key(probe))
      expect(scanLocator.has(probe), where).toBe(locator.has(probe))
      expect(scanLocator.keysAt(probe), where).toEqual(locator.keysAt(probe))
      expect(lazyLocator.keysAt(probe), where).toEqual(locator.keysAt(probe))
      expect(lazyLocator.value(probe), where).toEqual(locator.value(probe))
      for (const token of ['${', 'a', value?.slice(1, 3) ?? 'x', '#']) {
        expect(scanLocator.within(probe, token), `${where} token ${token}`).toEqual(locator.within(probe, token))
      }
    }
  }
  return 'scanned'
}

describe('the fast YAML reader (block-yaml.ts)', () => {
  it('reads what the yaml library reads, with the same positions, or leaves the text to the library', () => {
    const outcomes = {scanned: 0, library: 0}
    const seeds = Number(process.env.BLOCK_YAML_SEEDS ?? 4000)
    for (let seed = 1; seed <= seeds; seed++) outcomes[compare(randomText(prng(seed)))]++
    // Both paths are exercised: most generated files are in the subset, a good share is not.
    expect(outcomes.scanned).toBeGreaterThan(seeds / 8)
    expect(outcomes.library).toBeGreaterThan(seeds / 8)
  })

  it('reads the fleet style (flow schedules, labels and target lists) and the quoted forms', () => {
    const text = [
      'version: 1',
      'stores:',
      '  one: {type: file, path: .rotor/one.enc}',
      'secrets:',
      '  s000001:',
      '    schedule: {cron: "0 3 1 1 *", timezone: Europe/Berlin}  # yearly',
      "    description: 'it''s #1: the first'",
      '    maxAge: 90d',
      '    labels: {team: t1, "tier": \'gold\'}',
      '    targets: [one:app/s000001, two:app/s000001]',
      '    adopt: true',
      '  "12":',
      '    targets:',
      '    - one:app/twelve',
      '    grace: ~',
      'notify:',
      '  - url: https://hooks.example/x',
      '    events: [rotated]',
      '',
    ].join('\n')
    expect(compare(text)).toBe('scanned')
    expect(scanYaml(text)?.data).toMatchObject({secrets: {s000001: {description: "it's #1: the first", adopt: true}, 12: {grace: null}}})
  })

  it.each([
    ['an anchor and an alias', 'a: &x 1\nb: *x\n'],
    ['a block scalar', 'a: |\n  text\n'],
    ['a multi-line plain scalar', 'a: one\n  two\n'],
    ['a multi-line flow list', 'a: [x,\n  y]\n'],
    ['an escape in double quotes', 'a: "x\\ty"\n'],
    ['a tab', 'a:\tb\n'],
    ['CRLF line ends', 'a: b\r\nc: d\r\n'],
    ['a document marker', '---\na: b\n'],
    ['a tag', 'a: !!str 1\n'],
    ['a number as a key', '1: a\n'],
    ['a merge key', '<<: {a: 1}\n'],
    ['a __proto__ key', '__proto__: {a: 1}\n'],
    ['a syntax error', 'a: b: c\n'],
    ['a bad indentation', 'a:\n    b: 1\n  c: 2\n'],
    ['an empty file', '# nothing\n'],
    ['a list at the top', '- a\n'],
  ])('leaves %s to the library', (_what, text) => {
    expect(scanYaml(text)).toBeUndefined()
  })

  it('reports repeated keys with both offsets, in block and flow maps', () => {
    const text = 'a: 1\nb:\n  c: {x: 1, x: 2}\na: 3\n'
    const scanned = scanYaml(text, {positions: true})!
    expect(scanned.duplicates).toEqual([
      {path: ['b', 'c', 'x'], at: text.indexOf('x: 2'), first: text.indexOf('x: 1')},
      {path: ['a'], at: text.lastIndexOf('a: 3'), first: 0},
    ])
    compare(text)
  })

  it('orders the keys of a map as the file does, also keys that look like array indexes', () => {
    const text = 'secrets:\n  b: 1\n  "10": 2\n  a: 3\n  "2": 4\n'
    const scanned = scanYaml(text)!
    expect(new ScanLocator(text, scanned.data).keysAt(['secrets'])).toEqual(['b', '10', 'a', '2'])
  })
})
