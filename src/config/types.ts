import type {GeneratorPolicy} from '../keys/types.js'

/** A store reference `store:path`; the first target of a secret is its primary. */
export interface TargetRef {
  store: string
  path: string
}

export interface StoreConfig {
  name: string
  /** Provider kind: a key of the registry in providers/registry.ts. */
  type: string
  /** Settings after `${ENV}` interpolation, parsed by the provider's settings schema. */
  settings: unknown
}

/** An issuer under `issuers:`: the system that must accept a secret's credential (providers/issuers). */
export interface IssuerConfig {
  name: string
  /** Issuer kind: a key of providers/issuers/registry.ts. */
  type: string
  /** Settings after `${ENV}` interpolation, parsed by the kind's settings schema. */
  settings: unknown
}

/** A secret's `issuer:`: which issuer must accept its credential, and the kind's binding. */
export interface SecretIssuerRef {
  /** A key of `issuers`. */
  name: string
  /** The binding after parsing by the kind's binding schema (roles, user, account...). */
  binding: unknown
  /** After a deactivating revoke, how long until the credential is deleted (issuers that deactivate). */
  deleteAfterMs: number
}

export interface ScheduleConfig {
  /** 5 or 6 field cron expression (cron-parser syntax). */
  cron: string
  /** IANA time zone; default UTC. */
  timezone: string
}

/** An HTTP request that must answer `expectStatus` when it carries the new value. */
export interface HttpVerify {
  url: string
  method: string
  /** Header values may contain `{{value}}`, replaced by the new value. */
  headers: Record<string, string>
  /** Request body; may contain `{{value}}`. */
  body?: string
  expectStatus: number
  /** Plain http:// to another host was allowed in the config (`doctor` warns). */
  allowInsecureTransport?: boolean
}

/** A program that must exit 0; it gets the new value in the environment variable `env`, never in argv. */
export interface CommandVerify {
  /** A relative program (`./check.sh`) resolves against the config file's directory. */
  command: string[]
  env: string
  /** Variables of rotor's environment the program also gets (src/exec/child-env.ts); never rotor's credentials. */
  passEnv?: string[]
}

/** Checked before a new value is promoted anywhere; a failure rolls the staged value back. */
export type VerifyConfig = ({http: HttpVerify} | {command: CommandVerify}) & {
  timeoutMs: number
  /** Attempts after the first, through rotor's retry helper. */
  retries: number
}

export type NotifyEvent = 'rotated' | 'failed' | 'rolled-back' | 'upcoming'

/** A webhook told about rotations; it never sees a secret value. */
export interface NotifyConfig {
  /** The webhook URL, or (for URLs that embed a token) the variable `urlEnv` holding it. */
  url?: string
  urlEnv?: string
  events: NotifyEvent[]
  format: 'json' | 'slack'
  /** Environment variable holding the HMAC-SHA256 key; the body is signed when it is set. */
  signingKeyEnv?: string
  /** Header carrying `v1=<hex HMAC-SHA256 of "<timestamp>.<body>">`; the timestamp is in X-Rotor-Timestamp. */
  signatureHeader: string
  /** Send `upcoming` when a rotation is due within this long. */
  upcomingWithinMs: number
  timeoutMs: number
  /** Plain http:// to another host is allowed (also for the URL in `urlEnv`); `doctor` warns. */
  allowInsecureTransport?: boolean
}

export interface SecretConfig {
  name: string
  description?: string
  generator: GeneratorPolicy
  schedule?: ScheduleConfig
  maxAgeMs?: number
  /** How long old and new values both stay valid after a promotion. */
  graceMs: number
  retire: 'disable' | 'destroy'
  environment?: string
  labels: Record<string, string>
  /** Take ownership of an existing secret without the `managed-by: rotor` tag. */
  adopt: boolean
  targets: TargetRef[]
  verify?: VerifyConfig
  /** Variable name for `rotor exec` / `rotor export`; default from the name (src/exec/env.ts). */
  env?: string
  /** `env` as a map: variable -> field of the value, or `template` (src/exec/env.ts). */
  envFields?: Record<string, string>
  /** One string made of the value's fields: `{{field}}` and `{{field | url}}` (src/exec/template.ts). */
  template?: string
  /**
   * The fields of a structured value (the issuer kind's `fields`: `username`, `password`); absent
   * for a plain value, whose one field is `value`.
   */
  fields?: string[]
  /** Variables of rotor's environment passed to `rotor exec` and `verify.command` children of this secret. */
  passEnv?: string[]
  /** The issuer that must accept this secret's credential; its value is then structured (fields). */
  issuer?: SecretIssuerRef
}

export interface RotorConfig {
  /** Absolute path of the file this was loaded from. */
  file: string
  /** Directory of `file`; relative paths resolve against it. */
  baseDir: string
  version: 1
  /** `keyFile`: the audit chain's HMAC key (src/audit/key.ts); absent means the default places. */
  audit: {path: string; keyFile?: string}
  stores: Record<string, StoreConfig>
  /** Issuers by name; absent when the file has none. */
  issuers?: Record<string, IssuerConfig>
  /** In file order. */
  secrets: SecretConfig[]
  /** Webhooks; absent or empty means no notifications. */
  notify?: NotifyConfig[]
  /** Loud warnings about a valid config (an issuer binding with grace zero), shown by every command that loads it. */
  warnings?: string[]
}
