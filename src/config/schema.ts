/**
 * The shape of rotor.yaml as zod schemas. Objects are strict everywhere so a typo is an error, not
 * a silently ignored key. Checks that need more than one field (unknown stores, cron intervals,
 * entropy) live in checks.ts; this file only says what each value may look like.
 */
import {z} from 'zod'
import {providerKinds, registry} from '../../providers/registry.js'
import {issuerKinds, issuerRegistry} from '../../providers/issuers/registry.js'
import {MANAGED_BY_KEY} from '../../providers/types.js'
import {
  ALPHABET_NAMES,
  CHECKSUMS,
  DEFAULT_POLICY,
  ENTROPY_FLOOR_BITS,
  MAX_LENGTH,
  MAX_PREFIX_LENGTH,
} from '../keys/index.js'
import {insecureTransportMessage, isPlainTextRemote} from '../util/transport.js'
import {isCredentialName} from '../exec/child-env.js'
import {parseDuration} from './duration.js'
import {kindOf} from './problems.js'

export const CONFIG_VERSION = 1
export const DEFAULT_AUDIT_PATH = '.rotor/audit.log'
export const DEFAULT_TIMEZONE = 'UTC'
export const DEFAULT_GRACE = '24h'
export const DEFAULT_RETIRE = 'disable'
/** After a deactivating revoke at an issuer, how long until the credential is deleted. */
export const DEFAULT_DELETE_AFTER = '1d'

/** Store and secret names: lower case, so they are safe in tags, file names and URLs. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,62}$/
const NAME_RULE = '1-63 characters from a-z, 0-9, ".", "_" and "-", starting with a letter or digit'
export const TARGET_PATH_PATTERN = /^[A-Za-z0-9/_.-]+$/
export const ENVIRONMENT_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/
export const LABEL_KEY_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._/-]{0,62}$/

const storeName = z.string().regex(NAME_PATTERN, {error: `store names use ${NAME_RULE}`})
const secretName = z.string().regex(NAME_PATTERN, {error: `secret names use ${NAME_RULE}`})
const issuerName = z.string().regex(NAME_PATTERN, {error: `issuer names use ${NAME_RULE}`})

const duration = (description: string) =>
  z
    .string({error: (issue) => durationTypeMessage(issue.input)})
    // On the input side, so the JSON Schema (generated for input) carries it.
    .meta({description, examples: ['24h', '30d', '1h30m']})
    .transform((text, ctx) => {
      try {
        return parseDuration(text)
      } catch (error) {
        ctx.issues.push({code: 'custom', message: (error as Error).message, input: text})
        return z.NEVER
      }
    })

function durationTypeMessage(input: unknown): string {
  const expected = 'expected a duration like 24h or 30d'
  if (typeof input !== 'number') return `${expected}, got ${kindOf(input)}`
  return `${expected}, got the number ${input}: add a unit (s, m, h, d or w), e.g. ${input}d`
}

/** The problem with a `store:path` reference, or undefined when it is well formed. */
export function targetRefProblem(ref: string): string | undefined {
  const colon = ref.indexOf(':')
  if (colon < 0) return `expected a target "store:path", got ${JSON.stringify(ref)}`
  const store = ref.slice(0, colon)
  const path = ref.slice(colon + 1)
  if (!NAME_PATTERN.test(store)) return `target ${JSON.stringify(ref)}: store names use ${NAME_RULE}`
  if (path === '') return `target ${JSON.stringify(ref)} has an empty path after ":"`
  if (path.startsWith('/')) return `target ${JSON.stringify(ref)}: the path must not start with "/"`
  if (!TARGET_PATH_PATTERN.test(path)) {
    return `target ${JSON.stringify(ref)}: the path may only contain A-Z, a-z, 0-9, "/", "_", "." and "-"`
  }
  if (path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    return `target ${JSON.stringify(ref)}: the path must not contain empty, "." or ".." segments`
  }
  return undefined
}

const targetRef = z
  .string({error: (issue) => `expected a target "store:path", got ${kindOf(issue.input)}`})
  .transform((ref, ctx) => {
    const problem = targetRefProblem(ref)
    if (problem) {
      ctx.issues.push({code: 'custom', message: problem, input: ref})
      return z.NEVER
    }
    const colon = ref.indexOf(':')
    return {store: ref.slice(0, colon), path: ref.slice(colon + 1)}
  })
  .describe('A store name from `stores` and the path of the secret in it, e.g. `local:payments/api-key`.')
  .meta({pattern: '^[a-z0-9][a-z0-9._-]{0,62}:[A-Za-z0-9_.-][A-Za-z0-9/_.-]*$'})

/**
 * Generator fields are optional and default to DEFAULT_POLICY. Limits are published in the JSON
 * Schema (via meta) for editors, but enforced by validatePolicy, the one source of those rules.
 */
const generator = z
  .strictObject({
    length: z
      .int()
      .describe(`Random characters, excluding prefix and checksum. Default ${DEFAULT_POLICY.length}.`)
      .meta({minimum: 1, maximum: MAX_LENGTH, default: DEFAULT_POLICY.length})
      .optional(),
    alphabet: z
      .enum(ALPHABET_NAMES)
      .describe(`Characters to draw from; \`custom\` uses \`characters\`. Default ${DEFAULT_POLICY.alphabet}.`)
      .meta({default: DEFAULT_POLICY.alphabet})
      .optional(),
    characters: z.string().describe('The characters when `alphabet` is `custom` (distinct, printable ASCII).').optional(),
    prefix: z
      .string()
      .describe('Literal prefix such as `rk_live_`, so a leaked key is recognisable. Not counted as entropy.')
      .meta({pattern: '^[A-Za-z0-9_-]*$', maxLength: MAX_PREFIX_LENGTH, default: DEFAULT_POLICY.prefix})
      .optional(),
    checksum: z
      .enum(CHECKSUMS)
      .describe('Append a checksum so scanners can tell real keys from look-alikes.')
      .meta({default: DEFAULT_POLICY.checksum})
      .optional(),
    minEntropyBits: z
      .number()
      .describe(`Refuse this policy below this many bits of entropy; never below ${ENTROPY_FLOOR_BITS}.`)
      .meta({minimum: ENTROPY_FLOOR_BITS, default: DEFAULT_POLICY.minEntropyBits})
      .optional(),
  })
  .describe('How new values are generated. Every field is optional.')

const schedule = z
  .union([
    z.string().describe('Cron expression, 5 fields (minute first) or 6 (second first), in UTC.'),
    z
      .strictObject({
        cron: z.string().describe('Cron expression, 5 fields (minute first) or 6 (second first).'),
        timezone: z
          .string()
          .default(DEFAULT_TIMEZONE)
          .describe(`IANA time zone the cron expression is read in. Default ${DEFAULT_TIMEZONE}.`)
          .meta({examples: ['UTC', 'Europe/Berlin', 'America/New_York']}),
      })
      .describe('Cron expression with a time zone.'),
  ])
  .transform((value) => (typeof value === 'string' ? {cron: value, timezone: DEFAULT_TIMEZONE} : value))
  .describe('When to rotate: a cron expression, or {cron, timezone}.')

const labelKey = z
  .string()
  .regex(LABEL_KEY_PATTERN, {error: 'label keys use 1-63 characters from A-Z, a-z, 0-9, ".", "_", "/" and "-"'})
  .refine((key) => key !== MANAGED_BY_KEY, {error: `"${MANAGED_BY_KEY}" is set by rotor itself`})

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/

const insecureTransport = (what: string) =>
  z
    .boolean()
    .default(false)
    .describe(`Allow a plain http:// URL to a host other than this machine (loopback is always allowed); ${what} would cross the network unencrypted. \`rotor doctor\` warns.`)

/** Names of variables a child process also gets; rotor's own credentials are refused by name here. */
const passEnv = (what: string) =>
  z
    .array(
      z
        .string()
        .regex(ENV_NAME, {error: 'an environment variable name'})
        .refine((name) => !isCredentialName(name), {
          error: (issue) => `${String(issue.input)} holds one of rotor's own credentials; rotor never passes it to a program it runs`,
        }),
    )
    .describe(
      `Variables of rotor's environment that ${what} also gets, besides PATH, HOME, USER, LANG, LC_*, TZ, TMPDIR, TERM and SHELL. Never rotor's credentials (ROTOR_FILE_KEY, the file store's keyEnv, VAULT_*, AWS_*, AZURE_*, GOOGLE_*, CLOUDSDK_*, ROTOR_AUDIT_KEY*, webhook variables).`,
    )
export const DEFAULT_VERIFY_TIMEOUT = '10s'
export const DEFAULT_VERIFY_RETRIES = 2
export const DEFAULT_VERIFY_ENV = 'ROTOR_NEW_VALUE'

const httpVerify = z
  .strictObject({
    url: z.url({protocol: /^https?$/}).describe('Endpoint to call with the new value. Never templated: URLs end up in logs.'),
    method: z
      .enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'])
      .default('GET')
      .describe('HTTP method. Default GET.'),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9-]+$/, {error: 'header names use A-Z, a-z, 0-9 and "-"'}), z.string())
      .default({})
      .describe('Request headers; `{{value}}` in a value is replaced by the new secret, e.g. `Authorization: Bearer {{value}}`.'),
    body: z.string().describe('Request body; `{{value}}` is replaced by the new secret.').optional(),
    expectStatus: z.int().min(100).max(599).default(200).describe('The status that means the new value works. Default 200.'),
    allowInsecureTransport: insecureTransport('the new value'),
  })
  .refine((check) => check.allowInsecureTransport || !isPlainTextRemote(check.url), {
    error: (issue) => insecureTransportMessage('the verify URL', String((issue.input as {url?: string}).url)),
    path: ['url'],
  })
  .describe('An HTTP request that must answer `expectStatus` when it carries the new value.')

const commandVerify = z
  .strictObject({
    command: z
      .array(z.string().min(1))
      .min(1, {error: 'give the program and its arguments, e.g. ["./check-key.sh", "payments"]'})
      .describe('Program and arguments, run without a shell. The value is never put in argv. A relative program (./check.sh) is found next to this file.'),
    env: z
      .string()
      .regex(ENV_NAME, {error: 'an environment variable name such as ROTOR_NEW_VALUE'})
      .default(DEFAULT_VERIFY_ENV)
      .describe(`Environment variable that holds the new value for the program. Default ${DEFAULT_VERIFY_ENV}.`),
    passEnv: passEnv('the check program').optional(),
  })
  .describe('A program that must exit 0; it receives the new value in an environment variable.')

const verifyCommon = {
  timeout: duration(`How long one attempt may take. Default ${DEFAULT_VERIFY_TIMEOUT}.`).optional(),
  retries: z
    .int()
    .min(0)
    .max(10)
    .default(DEFAULT_VERIFY_RETRIES)
    .describe(`Attempts after the first failed one (with backoff). Default ${DEFAULT_VERIFY_RETRIES}.`),
}

export const verifySchema = z
  .union([
    z.strictObject({http: httpVerify, ...verifyCommon}),
    z.strictObject({command: commandVerify, ...verifyCommon}),
  ])
  .describe('Check the new value before it is promoted anywhere: `http` or `command` (one of them). A failure rolls the staged value back.')

export const NOTIFY_EVENTS = ['rotated', 'failed', 'rolled-back', 'upcoming'] as const
export const DEFAULT_UPCOMING_WITHIN = '7d'
export const DEFAULT_SIGNATURE_HEADER = 'X-Rotor-Signature'

export const notifySchema = z
  .strictObject({
    url: z.url({protocol: /^https?$/}).describe('Webhook URL, when it holds no token; otherwise use `urlEnv`.').optional(),
    urlEnv: z
      .string()
      .regex(ENV_NAME, {error: 'an environment variable name'})
      .describe('Environment variable holding the webhook URL, for URLs that embed a token (Slack incoming webhooks do).')
      .optional(),
    events: z
      .array(z.enum(NOTIFY_EVENTS))
      .min(1)
      .default([...NOTIFY_EVENTS])
      .describe('Which events to send: rotated, failed, rolled-back, upcoming. Default all.'),
    format: z.enum(['json', 'slack']).default('json').describe('json: rotor\'s event object; slack: `{"text": ...}` for Slack-compatible webhooks.'),
    signingKeyEnv: z
      .string()
      .regex(ENV_NAME, {error: 'an environment variable name'})
      .describe('Environment variable holding the HMAC-SHA256 key the body is signed with; the key never goes in this file.')
      .optional(),
    signatureHeader: z
      .string()
      .regex(/^[A-Za-z0-9-]+$/)
      .default(DEFAULT_SIGNATURE_HEADER)
      .describe(`Header carrying \`v1=<hex HMAC-SHA256 of "<X-Rotor-Timestamp>.<body>">\`. Default ${DEFAULT_SIGNATURE_HEADER}.`),
    upcomingWithin: duration(`Send \`upcoming\` once when a rotation is due within this long. Default ${DEFAULT_UPCOMING_WITHIN}.`).optional(),
    timeout: duration('How long one delivery may take. Default 5s.').optional(),
    allowInsecureTransport: insecureTransport('the event and its signature'),
  })
  .refine((hook) => (hook.url === undefined) !== (hook.urlEnv === undefined), {error: 'give exactly one of url and urlEnv'})
  .refine((hook) => hook.allowInsecureTransport || hook.url === undefined || !isPlainTextRemote(hook.url), {
    error: (issue) => insecureTransportMessage('the webhook URL', String((issue.input as {url?: string}).url)),
    path: ['url'],
  })
  .describe('A webhook told about rotations; it never receives a secret value.')

/**
 * A secret's `issuer:`. `name` and `deleteAfter` are the same for every kind; the other keys are the
 * kind's binding, checked by its own schema in checks.ts (the kind is known only from `issuers`).
 */
const issuerRefSchema = z
  .looseObject({
    name: issuerName.describe('An issuer from `issuers`, which must accept this secret\'s credential.'),
    deleteAfter: duration(
      `Issuers that deactivate (aws-iam): how long a retired credential stays inactive, so a rollback can reactivate it, before it is deleted. Default ${DEFAULT_DELETE_AFTER}.`,
    ).optional(),
  })
  .describe('The issuer that must accept this secret\'s credential: `name` plus the settings of that issuer kind for this secret (roles, user, account).')

export const secretSchema = z
  .strictObject({
    description: z.string().describe('What the secret is for; shown in plan and status output.').optional(),
    generator: generator.optional(),
    schedule: schedule.optional(),
    maxAge: duration('Rotate when the current version is older than this, e.g. 30d.').optional(),
    grace: duration(
      `How long the previous version stays valid after a promotion; shorter than the rotation interval. Default ${DEFAULT_GRACE}.`,
    ).optional(),
    retire: z
      .enum(['disable', 'destroy'])
      .default(DEFAULT_RETIRE)
      .describe('What happens to the previous version after the grace window: disable (reversible) or destroy.'),
    environment: z
      .string()
      .regex(ENVIRONMENT_PATTERN, {error: 'environment uses 1-63 characters from a-z, 0-9 and "-"'})
      .describe('Free text such as production or staging, for --select.')
      .optional(),
    labels: z
      .record(labelKey, z.string({error: 'label values are strings; quote numbers and booleans'}))
      .default({})
      .describe('Extra labels written to the secret in each store, and usable with --select.'),
    adopt: z
      .boolean()
      .default(false)
      .describe('Take ownership of an existing secret that lacks the managed-by: rotor tag.'),
    targets: z
      .array(targetRef)
      .min(1, {error: 'list at least one target "store:path"; the first is the primary'})
      .describe('Where the secret is written, as `store:path`; the first is the primary.'),
    verify: verifySchema.optional(),
    env: z
      .union([
        z
          .string()
          .regex(ENV_NAME, {error: 'an environment variable name such as PAYMENTS_API_KEY'})
          .describe('One variable: it gets the rendered `template` when there is one, else the value (JSON text for a structured value).'),
        z
          .record(z.string().regex(ENV_NAME, {error: 'variable names use A-Z, a-z, 0-9 and "_", not starting with a digit'}), z.string().min(1))
          .refine((map) => Object.keys(map).length > 0, {error: 'map at least one variable to a field'})
          .describe('Variable -> field of the value (`username`, `password`, `value`), or `template` for the rendered template.'),
      ])
      .describe('Environment variables for `rotor exec` and `rotor export`: one name, or a map VARIABLE: field. Default: the secret name upper-cased, other characters as "_".')
      .optional(),
    template: z
      .string()
      .min(1)
      .describe('One string made of the value\'s fields for consumers that need it, e.g. `postgresql://{{username}}:{{password | url}}@db:5432/app`. A secret without an issuer has one field, `value`.')
      .optional(),
    passEnv: passEnv('`rotor exec` and this secret\'s `verify.command`').optional(),
    issuer: issuerRefSchema.optional(),
  })
  .describe('One secret: how it is generated, when it rotates and where it is written.')

export type SecretInput = z.input<typeof secretSchema>
export type ParsedSecret = z.output<typeof secretSchema>

type StoreOption = z.ZodObject<z.ZodRawShape, z.core.$strict>

function storeOption(kind: string): StoreOption {
  const factory = registry[kind as keyof typeof registry]
  const settings: z.ZodType = factory.settings
  if (!(settings instanceof z.ZodObject)) {
    throw new TypeError(`provider "${kind}": settings must be a zod object schema`)
  }
  const option = z
    .strictObject({
      type: z.literal(kind).describe(`Store kind: ${factory.summary}.`),
      ...settings.shape,
    })
    .describe(settings.description ?? factory.summary)
  // The provider's cross-field checks (refinements) apply to the store entry too.
  const checks = (settings._zod.def.checks ?? []) as z.core.$ZodCheck<unknown>[]
  return checks.length > 0 ? option.check(...checks) : option
}

let cachedStoreSchema: z.ZodType | undefined
/** One store: `type` picks the provider, whose settings schema checks the other keys. */
export function storeSchema(): z.ZodType {
  if (!cachedStoreSchema) {
    const options = providerKinds.map((kind) => storeOption(kind))
    cachedStoreSchema = z
      .discriminatedUnion('type', options as [StoreOption, ...StoreOption[]])
      .describe(`A secret store. \`type\` is one of: ${providerKinds.join(', ')}; the other keys are its settings.`)
  }
  return cachedStoreSchema
}

type IssuerOption = z.ZodObject<z.ZodRawShape, z.core.$strict>

function issuerOption(kind: string): IssuerOption {
  const factory = issuerRegistry[kind as keyof typeof issuerRegistry]
  const settings: z.ZodType = factory.settings
  if (!(settings instanceof z.ZodObject)) throw new TypeError(`issuer "${kind}": settings must be a zod object schema`)
  const option = z
    .strictObject({type: z.literal(kind).describe(`Issuer kind: ${factory.summary}.`), ...settings.shape})
    .describe(settings.description ?? factory.summary)
  const checks = (settings._zod.def.checks ?? []) as z.core.$ZodCheck<unknown>[]
  return checks.length > 0 ? option.check(...checks) : option
}

let cachedIssuerSchema: z.ZodType | undefined
/** One issuer: `type` picks the kind, whose settings schema checks the other keys. */
export function issuerSchema(): z.ZodType {
  if (!cachedIssuerSchema) {
    const options = issuerKinds.map((kind) => issuerOption(kind))
    cachedIssuerSchema = z
      .discriminatedUnion('type', options as unknown as [IssuerOption, ...IssuerOption[]])
      .describe(`A system that must accept a secret's credential. \`type\` is one of: ${issuerKinds.join(', ')}; the other keys are its settings.`)
  }
  return cachedIssuerSchema
}

/** What the schema of the whole file yields; semantic checks come after. */
export interface ParsedConfig {
  version: typeof CONFIG_VERSION
  audit?: {path: string; keyFile?: string}
  stores: Record<string, {type: string} & Record<string, unknown>>
  issuers?: Record<string, {type: string} & Record<string, unknown>>
  secrets: Record<string, ParsedSecret>
  notify?: ParsedNotify[]
}

export type ParsedNotify = z.output<typeof notifySchema>

let cachedConfigSchema: z.ZodType<ParsedConfig> | undefined
/** The whole file. Built on first use because it depends on the provider registry. */
export function configSchema(): z.ZodType<ParsedConfig> {
  if (!cachedConfigSchema) {
    cachedConfigSchema = z
      .strictObject({
        version: z.literal(CONFIG_VERSION).describe('Format version of this file; always 1.'),
        audit: z
          .strictObject({
            path: z
              .string()
              .min(1)
              .default(DEFAULT_AUDIT_PATH)
              .describe(`Hash-chained audit log, relative to this file. Default ${DEFAULT_AUDIT_PATH}.`),
            keyFile: z
              .string()
              .min(1)
              .optional()
              .describe(
                'File holding the HMAC key of the audit chain, relative to this file; keep it where the log\'s writers cannot reach. Default: a 0600 file per log under the rotor user directory ($ROTOR_HOME, $XDG_CONFIG_HOME/rotor or ~/.config/rotor), or $ROTOR_AUDIT_KEY / $ROTOR_AUDIT_KEY_FILE.',
              ),
          })
          .describe('Where the audit log is written.')
          .optional(),
        stores: z
          .record(storeName, storeSchema())
          .refine((stores) => Object.keys(stores).length > 0, {error: 'define at least one store'})
          .meta({minProperties: 1})
          .describe('Secret stores by name; targets refer to them as `name:path`. Use ${VAR} for values from the environment.'),
        issuers: z
          .record(issuerName, issuerSchema())
          .describe('Systems that must accept a credential (a database, cloud IAM, a program), by name; a secret names one under `issuer:`. Use ${VAR} for values from the environment.')
          .optional(),
        secrets: z.record(secretName, secretSchema).describe('Secrets rotor manages, by name.'),
        notify: z.array(notifySchema).describe('Webhooks told when secrets rotate, fail, are rolled back, or will rotate soon.').optional(),
      })
      .describe('rotor configuration') as unknown as z.ZodType<ParsedConfig>
  }
  return cachedConfigSchema
}
