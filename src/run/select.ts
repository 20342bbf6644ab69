import {createHash} from 'node:crypto'
import type {RotorConfig, SecretConfig} from '../config/types.js'
import {UsageError} from '../errors/index.js'

/**
 * `--select` patterns, OR-ed: a secret name, a glob on names (`payments-*`), `env:production`
 * or `label:team=payments`. A plain name that matches nothing is an error, not an empty run.
 */
export function selectSecrets(config: RotorConfig, patterns: string[] = []): SecretConfig[] {
  const flat = patterns.flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean)
  if (flat.length === 0) return config.secrets
  // A set, not a scan per pattern: a CI job may pass thousands of names to --select.
  const names = new Set(config.secrets.map((s) => s.name))
  for (const pattern of flat) {
    const isPlainName = !pattern.includes('*') && !pattern.includes('?') && !pattern.includes(':')
    if (isPlainName && !names.has(pattern)) {
      throw new UsageError(`--select: no secret named "${pattern}" in ${config.file}`, {
        hint: `known secrets: ${config.secrets.map((s) => s.name).join(', ') || '(none)'}`,
      })
    }
  }
  const plain = new Set(flat.filter((p) => names.has(p)))
  const matchers = flat.filter((p) => !plain.has(p)).map(toMatcher)
  const selected = config.secrets.filter((s) => plain.has(s.name) || matchers.some((m) => m(s)))
  if (selected.length === 0) {
    throw new UsageError(`--select ${flat.join(',')} matches no secret in ${config.file}`, {hint: whatExists(config)})
  }
  return selected
}

/** A short list of what --select can name: secrets, environments and labels. */
function whatExists(config: RotorConfig): string {
  const brief = (items: string[]) => (items.length === 0 ? '(none)' : items.length > 8 ? `${items.slice(0, 8).join(', ')}, ... (${items.length})` : items.join(', '))
  const names = config.secrets.map((s) => s.name)
  const environments = [...new Set(config.secrets.flatMap((s) => (s.environment ? [`env:${s.environment}`] : [])))]
  const labels = [...new Set(config.secrets.flatMap((s) => Object.entries(s.labels).map(([k, v]) => `label:${k}=${v}`)))]
  return `secrets: ${brief(names)}; environments: ${brief(environments)}; labels: ${brief(labels)}`
}

function toMatcher(pattern: string): (secret: SecretConfig) => boolean {
  if (pattern.startsWith('env:')) {
    const env = pattern.slice(4)
    return (s) => s.environment === env
  }
  if (pattern.startsWith('label:')) {
    const [key, value] = pattern.slice(6).split('=', 2)
    return (s) => (value === undefined ? key in s.labels : s.labels[key] === value)
  }
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`)
  return (s) => regex.test(s.name)
}

export function secretByName(config: RotorConfig, name: string): SecretConfig {
  const secret = config.secrets.find((s) => s.name === name)
  if (!secret) {
    throw new UsageError(`no secret named "${name}" in ${config.file}`, {
      hint: `known secrets: ${config.secrets.map((s) => s.name).join(', ') || '(none)'}`,
    })
  }
  return secret
}

export interface Shard {
  /** 1-based. */
  index: number
  count: number
}

/** Parses `--shard i/n` (1 <= i <= n). */
export function parseShard(text: string): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text.trim())
  const index = Number(match?.[1])
  const count = Number(match?.[2])
  if (!match || count < 1 || index < 1 || index > count) {
    throw new UsageError(`--shard: "${text}" is not i/n with 1 <= i <= n, e.g. --shard 2/4`)
  }
  return {index, count}
}

/**
 * The secrets of one shard. A secret's shard depends only on its name (SHA-256), so it stays on
 * the same runner when other secrets are added or removed.
 */
export function inShard(secrets: SecretConfig[], shard: Shard | undefined): SecretConfig[] {
  if (!shard || shard.count === 1) return secrets
  return secrets.filter((s) => createHash('sha256').update(s.name).digest().readUInt32BE(0) % shard.count === shard.index - 1)
}

/** `--select` then `--shard`, as every command that acts on many secrets applies them. */
export function pickSecrets(config: RotorConfig, flags: {select?: string[]; shard?: string}): SecretConfig[] {
  return inShard(selectSecrets(config, flags.select), flags.shard === undefined ? undefined : parseShard(flags.shard))
}
