/**
 * `rotor restore NAME [--from store:path]`: the run behind the command. It is an `apply` of one
 * secret with a restore planned (src/plan/in-flight.ts planRestore), so it goes through the
 * engine: the lease, a fresh observation under it, conditional writes, the audit log.
 */
import type {RotorConfig, SecretConfig, TargetRef} from '../config/types.js'
import {RotorError, UsageError} from '../errors/index.js'
import {refText, type PlanOptions} from '../plan/types.js'
import {parseRef} from './copy.js'

export function restoreOptions(secret: SecretConfig, from: string | undefined): PlanOptions {
  let source: TargetRef | undefined
  if (from) {
    source = parseRef(from, '--from')
    const known = secret.targets.slice(1)
    if (!known.some((t) => t.store === source!.store && t.path === source!.path)) {
      throw new UsageError(`--from ${from} is not a target of ${secret.name} other than its primary`, {
        hint: `choose one of: ${known.map(refText).join(', ') || '(none: the secret has one target)'}`,
      })
    }
  }
  return {restore: new Map([[secret.name, source ? {from: source} : {}]])}
}

/** A restore the planner refused (nothing owned to restore from, a primary that holds a value). */
export function restoreRefusal(config: RotorConfig, secret: SecretConfig, blocked: {reason: string; hint?: string} | undefined): RotorError | undefined {
  if (!blocked) return undefined
  return new RotorError(`cannot restore ${secret.name}: ${blocked.reason}`, {ref: `${config.file}: ${secret.name}`, ...(blocked.hint ? {hint: blocked.hint} : {})})
}
