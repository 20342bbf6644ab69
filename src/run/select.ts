import type {RotorConfig, SecretConfig} from '../config/types.js'
import {UsageError} from '../errors/index.js'

/**
 * `--select` patterns, OR-ed: a secret name, a glob on names (`payments-*`), `env:production`
 * or `label:team=payments`. A plain name that matches nothing is an error, not an empty run.
 */
export function selectSecrets(config: RotorConfig, patterns: string[] = []): SecretConfig[] {
  const flat = patterns.flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean)
  if (flat.length === 0) return config.secrets
  for (const pattern of flat) {
    const isPlainName = !pattern.includes('*') && !pattern.includes('?') && !pattern.includes(':')
    if (isPlainName && !config.secrets.some((s) => s.name === pattern)) {
      throw new UsageError(`--select: no secret named "${pattern}" in ${config.file}`, {
        hint: `known secrets: ${config.secrets.map((s) => s.name).join(', ') || '(none)'}`,
      })
    }
  }
  const matchers = flat.map(toMatcher)
  return config.secrets.filter((s) => matchers.some((m) => m(s)))
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
