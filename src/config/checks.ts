/**
 * Checks that span fields or entries: targets against stores, schedules against grace windows,
 * generator policies against the entropy floor. Each store and secret is parsed on its own, so
 * one broken entry does not hide the problems of the others.
 */
import {getFactory, isProviderKind} from '../../providers/registry.js'
import {getIssuerFactory, isIssuerKind} from '../../providers/issuers/registry.js'
import {DEFAULT_POLICY, validatePolicy, type GeneratorPolicy} from '../keys/index.js'
import {formatDuration, parseDuration} from './duration.js'
import {withValueFields} from './fields.js'
import {errorMap, issuesToProblems} from './issues.js'
import type {KeyPath} from './locate.js'
import type {PathProblem} from './problems.js'
import {canonicalTimezone, cronFields, expandCronMacro, rotationIntervalMs, scheduleProblems, type ScheduleProblem} from './schedule.js'
import {
  DEFAULT_DELETE_AFTER,
  DEFAULT_GRACE,
  DEFAULT_UPCOMING_WITHIN,
  DEFAULT_VERIFY_TIMEOUT,
  NAME_PATTERN,
  issuerSchema,
  notifySchema,
  secretSchema,
  storeSchema,
  targetRefProblem,
  type ParsedNotify,
  type ParsedSecret,
} from './schema.js'
import {WELL_FORMED_TARGET} from './quick-secret.js'
import {didYouMean} from './suggest.js'
import type {IssuerConfig, NotifyConfig, ScheduleConfig, SecretConfig, SecretIssuerRef, StoreConfig, VerifyConfig} from './types.js'

export interface Checked {
  problems: PathProblem[]
  stores: Record<string, StoreConfig>
  /** Secrets that passed their own schema, in the order of `secretOrder`. */
  secrets: SecretConfig[]
  /** Webhooks that passed their schema, in file order. */
  notify: NotifyConfig[]
  /** Issuers that passed their schema. */
  issuers: Record<string, IssuerConfig>
  /** Loud warnings about a valid config (RotorConfig.warnings). */
  warnings: string[]
}

const isPlainMap = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
const asMap = (value: unknown): Record<string, unknown> => (isPlainMap(value) ? value : {})

/**
 * `data` is the whole file after interpolation; `secretOrder` the secret names in file order;
 * `parsedSecrets` the secrets already parsed with secretSchema (or its equal), not parsed again.
 */
export function checkConfig(data: unknown, secretOrder: string[], parsedSecrets?: ReadonlyMap<string, ParsedSecret>): Checked {
  const root = asMap(data)
  const rawStores = asMap(root.stores)
  const rawSecrets = asMap(root.secrets)
  const problems: PathProblem[] = []

  const stores: Record<string, StoreConfig> = {}
  for (const [name, raw] of Object.entries(rawStores)) {
    const parsed = storeSchema().safeParse(raw, {error: errorMap})
    if (!parsed.success || !NAME_PATTERN.test(name)) continue
    const {type, ...settings} = parsed.data as {type: string} & Record<string, unknown>
    stores[name] = {name, type, settings}
  }

  const rawIssuers = asMap(root.issuers)
  const issuers: Record<string, IssuerConfig> = {}
  for (const [name, raw] of Object.entries(rawIssuers)) {
    const parsed = issuerSchema().safeParse(raw, {error: errorMap})
    if (!parsed.success || !NAME_PATTERN.test(name)) continue
    const {type, ...settings} = parsed.data as {type: string} & Record<string, unknown>
    issuers[name] = {name, type, settings}
  }

  const secrets: SecretConfig[] = []
  const warnings: string[] = []
  for (const name of secretOrder) {
    const raw = rawSecrets[name]
    if (!isPlainMap(raw) || !NAME_PATTERN.test(name)) continue
    const known = parsedSecrets?.get(name)
    problems.push(...checkSecret(name, raw, known))
    const issuer = raw.issuer === undefined ? undefined : bindIssuer(name, raw.issuer, rawIssuers, issuers, problems, warnings)
    const parsed = known ? {success: true as const, data: known} : secretSchema.safeParse(raw, {error: errorMap})
    if (!parsed.success) continue
    const secret = issuer ? {...toSecretConfig(name, parsed.data), issuer} : toSecretConfig(name, parsed.data)
    problems.push(...withValueFields(secret, raw, rawIssuers))
    secrets.push(secret)
  }

  problems.push(...checkTargets(rawStores, rawSecrets, secretOrder))
  const notify: NotifyConfig[] = []
  for (const raw of Array.isArray(root.notify) ? root.notify : []) {
    const parsed = notifySchema.safeParse(raw, {error: errorMap})
    if (parsed.success) notify.push(toNotifyConfig(parsed.data))
  }
  return {problems, stores, secrets, notify, issuers, warnings}
}

/** Keys of a secret's `issuer:` that every kind shares; the rest is the kind's binding. */
const SHARED_ISSUER_KEYS = new Set(['name', 'deleteAfter'])

/**
 * A secret's `issuer:` against `issuers`: the name must be defined, the binding must pass its
 * kind's schema (problems under `secrets.<name>.issuer`). Undefined when it does not resolve.
 */
function bindIssuer(
  secret: string,
  raw: unknown,
  rawIssuers: Record<string, unknown>,
  issuers: Record<string, IssuerConfig>,
  problems: PathProblem[],
  warnings: string[],
): SecretIssuerRef | undefined {
  const base: KeyPath = ['secrets', secret, 'issuer']
  // The shape of `name` and `deleteAfter` is the schema's business (secretSchema.issuer).
  const ref = secretSchema.shape.issuer.safeParse(raw, {error: errorMap})
  if (!ref.success || ref.data === undefined) return undefined
  const {name} = ref.data
  if (!Object.hasOwn(rawIssuers, name)) {
    const known = Object.keys(rawIssuers)
    const defined = known.length > 0 ? `; defined issuers: ${known.join(', ')}` : '; no issuers are defined (add them under `issuers:`)'
    problems.push({path: [...base, 'name'], message: `unknown issuer "${name}"${defined}${didYouMean(name, known)}`})
    return undefined
  }
  const issuer = issuers[name]
  const kind = issuer?.type
  // An issuer with a bad type or settings is reported where it is defined.
  if (kind === undefined || !isIssuerKind(kind)) return undefined
  const factory = getIssuerFactory(kind)
  const data = Object.fromEntries(Object.entries(asMap(raw)).filter(([key]) => !SHARED_ISSUER_KEYS.has(key)))
  const binding = factory.binding.safeParse(data, {error: errorMap})
  if (!binding.success) {
    for (const problem of issuesToProblems(binding.error.issues, factory.binding, data)) problems.push({...problem, path: [...base, ...problem.path]})
    return undefined
  }
  if (factory.capabilities(binding.data).maxValid === 1) {
    warnings.push(
      `secret "${secret}": issuer "${name}" (${kind}) keeps only ONE credential valid, so grace is ZERO: each rotation stops the old credential at once, and consumers fail until they read the new value`,
    )
  }
  return {name, binding: binding.data, deleteAfterMs: ref.data.deleteAfter ?? parseDuration(DEFAULT_DELETE_AFTER)}
}

export function toNotifyConfig(parsed: ParsedNotify): NotifyConfig {
  return {
    ...(parsed.url !== undefined ? {url: parsed.url} : {}),
    ...(parsed.urlEnv !== undefined ? {urlEnv: parsed.urlEnv} : {}),
    events: [...new Set(parsed.events)],
    format: parsed.format,
    ...(parsed.signingKeyEnv ? {signingKeyEnv: parsed.signingKeyEnv} : {}),
    signatureHeader: parsed.signatureHeader,
    upcomingWithinMs: parsed.upcomingWithin ?? parseDuration(DEFAULT_UPCOMING_WITHIN),
    timeoutMs: parsed.timeout ?? 5_000,
    ...(parsed.allowInsecureTransport ? {allowInsecureTransport: true} : {}),
  }
}

function toVerify(parsed: NonNullable<ParsedSecret['verify']>): VerifyConfig {
  const common = {timeoutMs: parsed.timeout ?? parseDuration(DEFAULT_VERIFY_TIMEOUT), retries: parsed.retries}
  if ('http' in parsed) {
    const {url, method, headers, body, expectStatus, allowInsecureTransport} = parsed.http
    const http = {url, method, headers, expectStatus, ...(body !== undefined ? {body} : {}), ...(allowInsecureTransport ? {allowInsecureTransport} : {})}
    return {http, ...common}
  }
  const {command, env, passEnv} = parsed.command
  return {command: {command, env, ...(passEnv ? {passEnv} : {})}, ...common}
}

export function toSecretConfig(name: string, parsed: ParsedSecret): SecretConfig {
  const secret: SecretConfig = {
    name,
    generator: toPolicy(parsed.generator),
    graceMs: parsed.grace ?? DEFAULT_GRACE_MS,
    retire: parsed.retire,
    labels: parsed.labels,
    adopt: parsed.adopt,
    targets: parsed.targets,
  }
  if (parsed.description !== undefined) secret.description = parsed.description
  if (parsed.schedule !== undefined) secret.schedule = toSchedule(parsed.schedule)
  if (parsed.maxAge !== undefined) secret.maxAgeMs = parsed.maxAge
  if (parsed.environment !== undefined) secret.environment = parsed.environment
  if (parsed.verify !== undefined) secret.verify = toVerify(parsed.verify)
  if (typeof parsed.env === 'string') secret.env = parsed.env
  else if (parsed.env !== undefined) secret.envFields = parsed.env
  if (parsed.template !== undefined) secret.template = parsed.template
  if (parsed.passEnv !== undefined) secret.passEnv = parsed.passEnv
  return secret
}

function toPolicy(fields: ParsedSecret['generator']): GeneratorPolicy {
  const policy: GeneratorPolicy = {...DEFAULT_POLICY}
  for (const [key, value] of Object.entries(fields ?? {})) {
    if (value !== undefined) Object.assign(policy, {[key]: value})
  }
  return policy
}

/** Normalised schedules and their problems by written cron and zone: a fleet repeats a few. */
const schedules = new Map<string, {schedule: ScheduleConfig; problems: ScheduleProblem[]}>()
const SCHEDULE_CACHE_LIMIT = 1000

function checkedSchedule(cron: string, timezone: string): {schedule: ScheduleConfig; problems: ScheduleProblem[]} {
  const key = `${timezone}\u0000${cron}`
  let found = schedules.get(key)
  if (!found) {
    const schedule = {cron: cronFields(expandCronMacro(cron)).join(' '), timezone: canonicalTimezone(timezone) ?? timezone}
    found = {schedule, problems: scheduleProblems(schedule)}
    if (schedules.size < SCHEDULE_CACHE_LIMIT) schedules.set(key, found)
  }
  return found
}

function toSchedule({cron, timezone}: {cron: string; timezone: string}): ScheduleConfig {
  return {...checkedSchedule(cron, timezone).schedule}
}

const DEFAULT_GRACE_MS = parseDuration(DEFAULT_GRACE)

type Field<K extends keyof ParsedSecret> = {ok: true; value: ParsedSecret[K] | undefined} | {ok: false}

/** One field of a secret parsed on its own, so its checks run even when a sibling is broken. */
function field<K extends keyof ParsedSecret & keyof typeof secretSchema.shape>(raw: Record<string, unknown>, key: K, known?: ParsedSecret): Field<K> {
  if (known) return {ok: true, value: known[key]}
  if (raw[key] === undefined) return {ok: true, value: undefined}
  const parsed = secretSchema.shape[key].safeParse(raw[key], {error: errorMap})
  return parsed.success ? {ok: true, value: parsed.data as ParsedSecret[K]} : {ok: false}
}

/** Schedule, grace and generator checks for one secret, from its raw (interpolated) fields. */
function checkSecret(name: string, raw: Record<string, unknown>, known?: ParsedSecret): PathProblem[] {
  const base: KeyPath = ['secrets', name]
  const problems: PathProblem[] = []

  if (raw.schedule === undefined && raw.maxAge === undefined) {
    problems.push({path: base, anchor: 'key', message: 'set schedule, maxAge or both, so rotor knows when to rotate it'})
  }

  const scheduleField = field(raw, 'schedule', known)
  const checked = scheduleField.ok && scheduleField.value ? checkedSchedule(scheduleField.value.cron, scheduleField.value.timezone) : undefined
  let schedule = checked ? {...checked.schedule} : undefined
  if (checked) {
    const found = checked.problems
    if (found.length > 0) schedule = undefined
    for (const problem of found) {
      const path = typeof raw.schedule === 'string' ? [...base, 'schedule'] : [...base, 'schedule', problem.field]
      problems.push({path, message: problem.message})
    }
  }

  const maxAge = field(raw, 'maxAge', known)
  const grace = field(raw, 'grace', known)
  if (scheduleField.ok && maxAge.ok && grace.ok && (schedule || raw.schedule === undefined)) {
    const problem = graceProblem(name, {
      schedule,
      maxAgeMs: maxAge.value,
      graceMs: grace.value ?? DEFAULT_GRACE_MS,
      explicit: grace.value !== undefined,
    })
    if (problem) problems.push(problem)
  }

  const generator = field(raw, 'generator', known)
  if (generator.ok && generator.value) {
    const written = asMap(raw.generator)
    for (const message of validatePolicy(toPolicy(generator.value))) {
      problems.push({path: [...base, 'generator', ...policyField(message, written)], anchor: 'key', message})
    }
  }
  return problems
}

/** The generator key a validatePolicy message is about, when the file sets it. */
function policyField(message: string, generator: Record<string, unknown>): string[] {
  const first = /^\w+/.exec(message)?.[0] ?? ''
  const candidates = first === 'entropy' ? ['length', 'alphabet'] : [first]
  const field = candidates.find((key) => Object.hasOwn(generator, key))
  return field === undefined ? [] : [field]
}

interface GraceInput {
  schedule?: ScheduleConfig
  maxAgeMs?: number
  graceMs: number
  /** Written in the file, rather than the default. */
  explicit: boolean
}

function graceProblem(name: string, secret: GraceInput): PathProblem | undefined {
  const interval = rotationIntervalMs(secret)
  if (interval === undefined || secret.graceMs < interval) return undefined

  const source =
    secret.maxAgeMs === interval
      ? `maxAge ${formatDuration(interval)}`
      : `the shortest gap between runs of "${secret.schedule?.cron}" in ${secret.schedule?.timezone}`
  const path = ['secrets', name, 'grace']
  const limit = formatDuration(interval)
  if (secret.explicit) {
    return {
      path,
      message: `grace ${formatDuration(secret.graceMs)} must be shorter than the rotation interval of ${limit} (${source})`,
    }
  }
  return {
    path,
    anchor: 'key',
    message: `the default grace of ${DEFAULT_GRACE} is not shorter than the rotation interval of ${limit} (${source}); set grace below ${limit}`,
  }
}

interface TargetUse {
  secret: string
  index: number
  store: string
  path: string
}

/** Targets against the stores: unknown stores, duplicates, and each provider's path rules. */
export function checkTargets(
  rawStores: Record<string, unknown>,
  rawSecrets: Record<string, unknown>,
  secretOrder: string[],
): PathProblem[] {
  const problems: PathProblem[] = []
  const storeNames = Object.keys(rawStores)
  const owners = new Map<string, TargetUse>()
  const uses: TargetUse[] = []

  for (const secret of secretOrder) {
    const targets = asMap(rawSecrets[secret]).targets
    if (!Array.isArray(targets)) continue
    // This secret's targets so far and their indexes: a few, searched in place (no Map each).
    const seenIds: string[] = []
    const seenAt: number[] = []
    targets.forEach((ref: unknown, index) => {
      if (typeof ref !== 'string' || (!WELL_FORMED_TARGET.test(ref) && targetRefProblem(ref) !== undefined)) return
      const colon = ref.indexOf(':')
      const use: TargetUse = {secret, index, store: ref.slice(0, colon), path: ref.slice(colon + 1)}
      const path = ['secrets', secret, 'targets', index]
      const id = ref // `${store}:${path}`, as written

      if (!Object.hasOwn(rawStores, use.store)) {
        const known = storeNames.length > 0 ? `; defined stores: ${storeNames.join(', ')}` : '; no stores are defined'
        problems.push({path, message: `unknown store "${use.store}" in target "${ref}"${known}${didYouMean(use.store, storeNames)}`})
        return
      }
      const seen = seenIds.indexOf(id)
      if (seen >= 0) {
        problems.push({path, message: `duplicate target "${id}"; already listed as targets[${seenAt[seen]}]`})
        return
      }
      seenIds.push(id)
      seenAt.push(index)
      const owner = owners.get(id)
      if (owner) {
        problems.push({
          path,
          message: `target "${id}" is already used by secret "${owner.secret}"; two secrets cannot share one store path`,
        })
        return
      }
      owners.set(id, use)
      uses.push(use)
    })
  }

  for (const [storeName, raw] of Object.entries(rawStores)) {
    const kind = asMap(raw).type
    if (typeof kind !== 'string' || !isProviderKind(kind)) continue
    const factory = getFactory(kind)
    const mine = uses.filter((use) => use.store === storeName)
    if (!factory.validatePaths || mine.length === 0) continue
    for (const rejected of factory.validatePaths(mine.map((use) => use.path))) {
      for (const use of mine.filter((u) => u.path === rejected.path)) {
        problems.push({
          path: ['secrets', use.secret, 'targets', use.index],
          message: `target "${storeName}:${use.path}": ${rejected.message}`,
        })
      }
    }
  }
  problems.push(...destroyProblems(rawStores, rawSecrets, uses))
  return problems
}

/** `retire: destroy` needs every target's store to destroy single versions; AWS and Azure cannot. */
function destroyProblems(rawStores: Record<string, unknown>, rawSecrets: Record<string, unknown>, uses: TargetUse[]): PathProblem[] {
  const problems: PathProblem[] = []
  const reported = new Set<string>()
  for (const use of uses) {
    if (reported.has(use.secret) || asMap(rawSecrets[use.secret]).retire !== 'destroy') continue
    const kind = asMap(rawStores[use.store]).type
    if (typeof kind !== 'string' || !isProviderKind(kind) || getFactory(kind).capabilities.destroyVersion) continue
    reported.add(use.secret)
    problems.push({
      path: ['secrets', use.secret, 'retire'],
      message: `retire: destroy is not possible on target "${use.store}:${use.path}": ${kind} stores cannot destroy a single version; use retire: disable`,
    })
  }
  return problems
}
