/**
 * `rotor import`: secrets a store holds that rotor.yaml does not name yet, as config entries that
 * adopt them (`adopt: true` for ones without rotor's ownership tag). Like `terraform import`, the
 * entries only describe what exists: the next `rotor apply` tags them and records no new version
 * until they come due. `--write` adds them to rotor.yaml through the YAML document, so the
 * file's comments and layout stay as they were.
 */
import {isMap, parseDocument, type Document, type YAMLMap} from 'yaml'
import type {RotorConfig} from '../config/types.js'
import {NAME_PATTERN} from '../config/schema.js'
import type {StoreSet} from '../engine/stores.js'
import {UsageError} from '../errors/index.js'
import {configuredPaths, describeUnnamed} from './orphans.js'

/** Until the user picks a schedule: rotate at least this often. */
export const PLACEHOLDER_MAX_AGE = '90d'

export interface ImportCandidate {
  /** Proposed secret name, unique in the config. */
  name: string
  /** `store:path` */
  target: string
  /** False when rotor already owns it (a secret removed from the config, an orphan). */
  adopt: boolean
  /** Enabled versions the store holds. */
  versions: number
  /** When the current value was written, when the store says. */
  currentSince?: string
}

export interface ImportReport {
  store: string
  prefix: string
  candidates: ImportCandidate[]
  /** Listed paths left out, and why. */
  skipped: Array<{target: string; reason: string}>
}

export async function findImportable(config: RotorConfig, stores: StoreSet, store: string, prefix: string): Promise<ImportReport> {
  if (!config.stores[store]) {
    throw new UsageError(`--store: no store named "${store}" in ${config.file}`, {hint: `stores there: ${Object.keys(config.stores).join(', ') || 'none'}`})
  }
  const client = await stores.get(store)
  const taken = new Set(config.secrets.map((s) => s.name))
  const report: ImportReport = {store, prefix, candidates: [], skipped: []}
  for (const {path, snapshot} of await describeUnnamed(client, prefix, configuredPaths(config, store))) {
    const target = `${store}:${path}`
    const live = snapshot.versions.filter((v) => v.enabled && !v.destroyed)
    if (!snapshot.exists) continue
    if (live.length === 0) {
      report.skipped.push({target, reason: 'no enabled version: nothing to adopt'})
      continue
    }
    const name = uniqueName(secretNameFor(path), taken)
    taken.add(name)
    const current = live.find((v) => v.role === 'current') ?? live.at(-1)
    report.candidates.push({name, target, adopt: !snapshot.owned, versions: live.length, ...(current ? {currentSince: current.createdAt.toISOString()} : {})})
  }
  report.candidates.sort((a, b) => a.target.localeCompare(b.target))
  return report
}

/** `team/app/db.password` -> `team-app-db.password`, within the config's name rules. */
export function secretNameFor(path: string): string {
  const name = path
    .toLowerCase()
    .replaceAll(/[^a-z0-9._-]+/g, '-')
    .replaceAll(/-{2,}/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 63)
    .replace(/[-._]+$/, '')
  return NAME_PATTERN.test(name) ? name : 'imported'
}

function uniqueName(base: string, taken: Set<string>): string {
  if (!taken.has(base)) return base
  for (let n = 2; ; n++) {
    const suffix = `-${n}`
    const name = `${base.slice(0, 63 - suffix.length)}${suffix}`
    if (!taken.has(name)) return name
  }
}

/** Adds one entry per candidate under `secrets:` of `doc`, each with a comment saying what to fill in. */
function addEntries(doc: Document, candidates: ImportCandidate[]): void {
  let secrets = doc.get('secrets')
  if (!isMap(secrets)) {
    secrets = doc.createNode({})
    doc.set('secrets', secrets)
  }
  for (const c of candidates) {
    const entry = doc.createNode({
      description: `Imported from ${c.target}`,
      ...(c.adopt ? {adopt: true} : {}),
      maxAge: PLACEHOLDER_MAX_AGE,
      targets: [c.target],
    }) as YAMLMap
    const maxAge = entry.items.find((pair) => (pair.key as {value?: unknown}).value === 'maxAge')
    if (maxAge) (maxAge.key as {commentBefore?: string}).commentBefore = ' TODO: when should it rotate? A schedule (cron), a maxAge, or both. 90d is a placeholder.'
    const targets = entry.get('targets', true) as {flow?: boolean; commentBefore?: string}
    targets.flow = true
    ;(secrets as YAMLMap).set(doc.createNode(c.name), entry)
    const added = (secrets as YAMLMap).items.at(-1)!
    ;(added.key as {commentBefore?: string}).commentBefore = ` imported by \`rotor import\`${c.adopt ? ': rotor takes it over at the next apply (adopt: true) and keeps its value until it is due' : ''}. Add other targets after the primary.`
  }
}

/** The entries as YAML, indented to sit under `secrets:`. */
export function importSnippet(candidates: ImportCandidate[]): string {
  const doc = parseDocument('secrets:\n')
  addEntries(doc, candidates)
  return doc.toString({lineWidth: 0}).replace(/^secrets:\n/, '')
}

/**
 * rotor.yaml's text with the entries appended under `secrets:`. The text before and after stays
 * byte for byte when `secrets` is a block map (the usual case): the snippet is inserted after its
 * last entry, at its indentation. Otherwise the document is re-printed, comments kept.
 */
export function appendToConfig(text: string, file: string, candidates: ImportCandidate[]): string {
  const doc = parseDocument(text)
  if (doc.errors.length > 0) throw new UsageError(`${file} does not parse as YAML: ${doc.errors[0].message}`)
  const secrets = doc.get('secrets', true)
  if (isMap(secrets) && !secrets.flow && secrets.items.length > 0 && secrets.range) {
    const firstKey = secrets.items[0].key as {range?: [number, number, number]}
    const start = firstKey.range?.[0] ?? 0
    const column = start - text.lastIndexOf('\n', start - 1) - 1
    const lineEnd = text.indexOf('\n', secrets.range[1] - 1)
    const at = lineEnd === -1 ? text.length : lineEnd + 1
    const snippet = importSnippet(candidates)
      .split('\n')
      .map((line) => (line ? ' '.repeat(Math.max(0, column - 2)) + line : line))
      .join('\n')
    const before = text.slice(0, at)
    return `${before}${before.endsWith('\n') ? '' : '\n'}${snippet}${text.slice(at)}`
  }
  addEntries(doc, candidates)
  return doc.toString({lineWidth: 0})
}
