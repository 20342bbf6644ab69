/**
 * Verify before promote: prove that a new value works before any reader can get it. An HTTP
 * check sends it in a header (or body); a command gets it in an environment variable, never in
 * argv (argv is visible to every user of the host in `ps`). Attempts go through rotor's one
 * retry helper. Nothing here ever puts the value in a message: response bodies are not read and
 * a command's output is redacted.
 */
import type {RotorConfig, SecretConfig, VerifyConfig} from '../config/types.js'
import {retry, type RetryHooks} from '../util/retry.js'
import type {SecretValue} from '../../providers/types.js'
import {runCommandCheck} from './command.js'
import {VerifyError} from './errors.js'
import {runHttpCheck} from './http.js'

export {VerifyError} from './errors.js'

export interface VerifyOptions {
  /** rotor's environment; a check program gets only its allow-listed part (src/exec/child-env.ts). */
  env?: NodeJS.ProcessEnv
  /** For the credentials a check program never gets, and the directory relative programs live in. */
  config?: Pick<RotorConfig, 'stores' | 'notify' | 'baseDir'>
  retryHooks?: RetryHooks
  /** Backoff between attempts; the helper's defaults are for store calls. */
  baseMs?: number
}

export type Verifier = (secret: SecretConfig, value: SecretValue) => Promise<void>

export async function verifyValue(
  verify: VerifyConfig,
  secret: string,
  value: SecretValue,
  options: VerifyOptions & {secretPassEnv?: string[]} = {},
): Promise<void> {
  const context = {env: options.env ?? process.env, config: options.config, secretPassEnv: options.secretPassEnv}
  const attempt = () =>
    'http' in verify ? runHttpCheck(verify.http, value, verify.timeoutMs, secret) : runCommandCheck(verify.command, value, verify.timeoutMs, secret, context)
  await retry(attempt, {attempts: verify.retries + 1, baseMs: options.baseMs ?? 500, capMs: 10_000}, options.retryHooks)
}

/** The verifier the engine calls: a no-op for secrets without `verify`. */
export function makeVerifier(options: VerifyOptions = {}): Verifier {
  return async (secret, value) => {
    if (secret.verify) await verifyValue(secret.verify, secret.name, value, {...options, secretPassEnv: secret.passEnv})
  }
}

export const isVerifyError = (error: unknown): error is VerifyError => error instanceof VerifyError
