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

export interface ScheduleConfig {
  /** 5 or 6 field cron expression (cron-parser syntax). */
  cron: string
  /** IANA time zone; default UTC. */
  timezone: string
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
}

export interface RotorConfig {
  /** Absolute path of the file this was loaded from. */
  file: string
  /** Directory of `file`; relative paths resolve against it. */
  baseDir: string
  version: 1
  audit: {path: string}
  stores: Record<string, StoreConfig>
  /** In file order. */
  secrets: SecretConfig[]
}
