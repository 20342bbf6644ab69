/**
 * How often `rotor apply` must run for a config, and what every scheduler manifest needs to know.
 *
 * A rotation is late by at most one run interval, and so is a retirement after its grace window.
 * rotor therefore runs at a quarter of the shortest grace window or rotation interval, clamped to
 * [5 min, 1 h] and rounded down to a step that divides an hour, so the cron line stays simple.
 */
import type {RotorConfig} from '../config/types.js'
import {rotationIntervalMs} from '../config/schedule.js'

const MINUTE = 60_000
const STEPS = [5, 10, 15, 20, 30, 60]

export interface RunCadence {
  everyMinutes: number
  cron: string
  /** The secret and window that set the cadence. */
  drivenBy?: {secret: string; windowMs: number; what: 'grace' | 'rotation interval'}
}

export function runCadence(config: Pick<RotorConfig, 'secrets'>): RunCadence {
  let tightest: RunCadence['drivenBy']
  for (const secret of config.secrets) {
    const interval = rotationIntervalMs(secret)
    const candidates: Array<[number | undefined, 'grace' | 'rotation interval']> = [
      [secret.graceMs, 'grace'],
      [interval, 'rotation interval'],
    ]
    for (const [windowMs, what] of candidates) {
      if (windowMs !== undefined && (!tightest || windowMs < tightest.windowMs)) tightest = {secret: secret.name, windowMs, what}
    }
  }
  const wanted = tightest ? tightest.windowMs / 4 / MINUTE : 60
  const everyMinutes = [...STEPS].reverse().find((step) => step <= wanted) ?? STEPS[0]
  return {everyMinutes, cron: everyMinutes === 60 ? '0 * * * *' : `*/${everyMinutes} * * * *`, ...(tightest ? {drivenBy: tightest} : {})}
}

/** Store kinds whose data lives on the machine that runs rotor (a fresh container starts empty). */
const LOCAL_KINDS = new Set(['file', 'memory'])

export interface ManifestOptions {
  cadence: RunCadence
  /** Absolute path of rotor.yaml on the machine that printed the manifest. */
  configFile: string
  /** rotor.yaml's text, for the Kubernetes ConfigMap. */
  configText: string
  /** Directory the job runs in (cron, systemd): the config's directory. */
  workdir: string
  /** The rotor being run, as absolute argv: [node, script] or [installed binary]. */
  rotor: string[]
  /** Job, unit, and concurrency-group name. */
  name: string
  /** User the systemd service runs as: the one whose key directory holds the store keys. */
  user: string
  /** Store kinds the config uses, sorted. */
  storeKinds: string[]
  /** Secrets whose primary is a store on the local disk. */
  localPrimaries: Array<{secret: string; store: string; kind: string}>
  /** The config has a file store, whose key the job needs. */
  hasFileStore: boolean
  image?: string
  /** Kubernetes: PersistentVolumeClaim for the config directory (store file, audit log). */
  volumeClaim?: string
  /** GitHub Actions: a directory on a self-hosted runner that survives between runs. */
  stateDir?: string
}

export function configFacts(config: RotorConfig): Pick<ManifestOptions, 'storeKinds' | 'localPrimaries' | 'hasFileStore'> {
  const used = new Set(config.secrets.flatMap((s) => s.targets.map((t) => t.store)))
  const kinds = new Set([...used].map((name) => config.stores[name]?.type).filter((k): k is string => k !== undefined))
  const localPrimaries = config.secrets.flatMap((s) => {
    const store = s.targets[0].store
    const kind = config.stores[store]?.type
    return kind && LOCAL_KINDS.has(kind) ? [{secret: s.name, store, kind}] : []
  })
  return {storeKinds: [...kinds].sort(), localPrimaries, hasFileStore: kinds.has('file')}
}

/** POSIX shell quoting; plain words stay bare so the line reads well. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./:=@-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`
}

/** The command a scheduler runs: the same rotor, by absolute path, with the config by absolute path. */
export function applyArgv(o: Pick<ManifestOptions, 'rotor' | 'configFile'>, extra: string[] = []): string[] {
  return [...o.rotor, 'apply', '--yes', ...extra, '--config', o.configFile]
}

/** This rotor, by absolute path: the node binary and the real path of the script it runs. */
export function currentRotor(execPath: string, script: string | undefined, realpath: (p: string) => string): string[] {
  if (!script) return [execPath]
  return [execPath, realpath(script)]
}
