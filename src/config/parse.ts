import {dirname, resolve} from 'node:path'
import {isMap, LineCounter, parseDocument, type Document} from 'yaml'
import {ConfigError, type ConfigProblem} from '../errors/index.js'
import {checkConfig} from './checks.js'
import {scanYaml} from './block-yaml.js'
import {findDuplicateKeys} from './duplicates.js'
import {interpolateConfig} from './interpolate.js'
import {errorMap, issuesToProblems} from './issues.js'
import {formatKeyPath, Locator, type KeyPath, type Position, type SourceIndex} from './locate.js'
import {sortProblems, toConfigProblems, type PathProblem} from './problems.js'
import {ScanLocator} from './scan-locate.js'
import {quickSecret} from './quick-secret.js'
import {configSchema, DEFAULT_AUDIT_PATH, NAME_PATTERN, type ParsedSecret} from './schema.js'
import type {RotorConfig} from './types.js'
import {versionProblem} from './version.js'

const MAX_ALIAS_COUNT = 100

/** Validates the text of a config file. Pure apart from reading `env`; `file` names it in problems. */
export function parseConfig(text: string, file: string, env: NodeJS.ProcessEnv = process.env): RotorConfig {
  const {raw, locator} = readYaml(text, file)

  const version = versionProblem(raw)
  if (version?.stop) {
    throw new ConfigError(toConfigProblems([{path: ['version'], message: version.message}], file, locator))
  }

  // Without a "$" (or an escape that could make one) there is nothing to expand or refuse.
  const interpolated = text.includes('$') || text.includes('\\') ? interpolateConfig(raw, env) : {data: raw, problems: []}
  const data = interpolated.data
  const problems: PathProblem[] = interpolated.problems.map((problem) => ({
    path: problem.path,
    message: problem.message,
    position: locator.within(problem.path, problem.token),
  }))
  // A string already reported for `${...}` would only repeat the news as a schema problem.
  const reported = new Set(interpolated.problems.map((problem) => pathId(problem.path)))
  if (version) {
    problems.push({path: ['version'], message: version.message})
    reported.add(pathId(['version']))
  }

  // Secrets in the common form are parsed without zod; zod parses the rest of the file.
  const {quick, rest} = splitSecrets(data)
  const schema = configSchema()
  const result = schema.safeParse(rest, {error: errorMap})
  if (!result.success) {
    const schemaProblems = issuesToProblems(result.error.issues, schema, data)
    problems.push(...schemaProblems.filter((problem) => !isUnderAny(problem.path, reported)))
  } else {
    for (const [name, secret] of Object.entries(result.data.secrets)) quick.set(name, secret)
  }

  const secretOrder = locator.keysAt(['secrets'])
  const checked = checkConfig(data, secretOrder, quick)
  problems.push(...checked.problems)

  if (problems.length > 0 || !result.success) {
    throw new ConfigError(toConfigProblems(problems, file, locator))
  }

  const absolute = resolve(file)
  const baseDir = dirname(absolute)
  return {
    file: absolute,
    baseDir,
    version: 1,
    audit: {
      path: resolve(baseDir, result.data.audit?.path ?? DEFAULT_AUDIT_PATH),
      ...(result.data.audit?.keyFile ? {keyFile: resolve(baseDir, result.data.audit.keyFile)} : {}),
    },
    stores: checked.stores,
    ...(Object.keys(checked.issuers).length > 0 ? {issuers: checked.issuers} : {}),
    secrets: checked.secrets,
    ...(checked.notify.length > 0 ? {notify: checked.notify} : {}),
    ...(checked.warnings.length > 0 ? {warnings: checked.warnings} : {}),
  }
}

/**
 * The file as plain JS and a way to find its parts. Files in the block subset that rotor.yaml
 * files use are read by the fast reader (block-yaml.ts), anything else by the `yaml` library; a
 * syntax error, a repeated key or an empty file is a ConfigError either way, worded the same.
 */
function readYaml(text: string, file: string): {raw: unknown; locator: SourceIndex} {
  const scanned = scanYaml(text)
  if (scanned) {
    if (scanned.duplicates.length === 0) return {raw: scanned.data, locator: new ScanLocator(text, scanned.data)}
    // The first offsets of repeated keys come with the tree; build it once for the messages.
    const located = scanYaml(text, {positions: true})!
    const locator = new ScanLocator(text, located.data, located.root)
    const found = located.duplicates.map(({path, at, first}) => ({path, key: locator.offset(at), first: locator.offset(first)}))
    throw new ConfigError(duplicateProblems(found, file))
  }

  const lines = new LineCounter()
  // Duplicate keys are found by findDuplicateKeys: yaml's own check is quadratic in a map's size.
  const doc = parseDocument(text, {lineCounter: lines, uniqueKeys: false, prettyErrors: false})
  const locator = new Locator(doc, lines, text)

  if (doc.errors.length > 0) throw new ConfigError(syntaxProblem(doc, file, locator, text))
  const duplicates = findDuplicateKeys(doc)
  if (duplicates.length > 0) {
    const found = duplicates.map(({path, key, first}) => ({path, key: locator.node(key), first: locator.node(first)}))
    throw new ConfigError(duplicateProblems(found, file))
  }
  if (doc.contents === null || (isMap(doc.contents) && doc.contents.items.length === 0)) {
    const message = 'the file is empty; it needs version, stores and secrets (run "rotor init" for a starting point)'
    throw new ConfigError([{file, line: 1, column: 1, key: '', message}])
  }

  try {
    return {raw: doc.toJS({maxAliasCount: MAX_ALIAS_COUNT}), locator}
  } catch (error) {
    // yaml refuses documents whose aliases expand too far (a "billion laughs" file).
    const message = `YAML error: ${(error as Error).message}`
    throw new ConfigError([{file, line: 1, column: 1, key: '', message}], {cause: error})
  }
}

/**
 * The secrets quickSecret can parse, by name, and the file without them for zod. A secret whose
 * name breaks the naming rule stays with zod, which reports it.
 */
function splitSecrets(data: unknown): {quick: Map<string, ParsedSecret>; rest: unknown} {
  const quick = new Map<string, ParsedSecret>()
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return {quick, rest: data}
  const secrets = (data as Record<string, unknown>).secrets
  if (secrets === null || typeof secrets !== 'object' || Array.isArray(secrets)) return {quick, rest: data}
  const others: Array<[string, unknown]> = []
  for (const name of Object.keys(secrets)) {
    const raw = (secrets as Record<string, unknown>)[name]
    const parsed = NAME_PATTERN.test(name) ? quickSecret(raw) : undefined
    if (parsed) quick.set(name, parsed)
    else others.push([name, raw])
  }
  return {quick, rest: {...data, secrets: Object.fromEntries(others)}}
}

/** A key path as a set member; segments compare as strings, as isUnder compares them. */
const pathId = (path: KeyPath): string => path.map(String).join('\u0000')

/** Whether `path` is one of `paths` (pathId) or lies under one: O(depth), not O(paths). */
function isUnderAny(path: KeyPath, paths: Set<string>): boolean {
  if (paths.size === 0) return false
  for (let length = 0; length <= path.length; length++) if (paths.has(pathId(path.slice(0, length)))) return true
  return false
}

/**
 * Of the syntax errors only the first, since the parser's recovery after it reports every later
 * token of the file as unexpected.
 */
function syntaxProblem(doc: Document, file: string, locator: Locator, text: string): ConfigProblem[] {
  const error = [...doc.errors].sort((a, b) => a.pos[0] - b.pos[0])[0]
  const {line, column} = locator.offset(error.pos[0])
  const key = formatKeyPath(locator.pathAt(error.pos[0]))
  const message = `YAML syntax error: ${cleanYamlMessage(error.message)}${syntaxHint(text, line)}`
  return [{file, line, column, key, message}]
}

/** Each repeated key, at the repetition, naming the line of the first. */
function duplicateProblems(duplicates: Array<{path: KeyPath; key: Position; first: Position}>, file: string): ConfigProblem[] {
  const problems = duplicates.map(({path, key, first}): ConfigProblem => {
    const what = path.length === 2 && path[0] === 'secrets' ? 'secret name' : 'key'
    const name = JSON.stringify(String(path.at(-1)))
    const message = `duplicate ${what} ${name}; it is already defined at line ${first.line}`
    return {file, line: key.line, column: key.column, key: formatKeyPath(path), message}
  })
  return sortProblems(problems)
}

/** yaml's messages may carry a position and a code frame; the problem has its own. */
function cleanYamlMessage(message: string): string {
  const firstLine = message.split('\n')[0]
  return firstLine.replace(/ at line \d+, column \d+:?$/, '').trim()
}

/** The usual cause of a flow-collection error: an unquoted `${VAR}` or `{`/`}` inside `{...}`/`[...]`. */
function syntaxHint(text: string, line: number): string {
  const source = text.split(/\r?\n/)[line - 1] ?? ''
  if (/[[{].*\$\{/.test(source) || /:\s*\$\{/.test(source)) {
    return '; quote values that contain ${...}, e.g. address: "${VAULT_ADDR}"'
  }
  return ''
}
