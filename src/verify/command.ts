import type {CommandVerify, RotorConfig} from '../config/types.js'
import {childEnv} from '../exec/child-env.js'
import {describeEnd, outputTail, ProgramStartError, runProgram} from '../exec/program.js'
import type {SecretValue} from '../../providers/types.js'
import {VerifyError} from './errors.js'

export {resolveProgram} from '../exec/program.js'

export interface CommandContext {
  /** rotor's environment: the child gets only the allow-listed part of it (src/exec/child-env.ts). */
  env: NodeJS.ProcessEnv
  /** Credentials it names are never passed; `baseDir` is where a relative program is found. */
  config?: Pick<RotorConfig, 'stores' | 'notify' | 'baseDir'>
  /** The secret's own `passEnv`. */
  secretPassEnv?: string[]
}

/** Runs the program without a shell (src/exec/program.ts); the value travels only in the environment variable. */
export async function runCommandCheck(check: CommandVerify, value: SecretValue, timeoutMs: number, secret: string, context: CommandContext): Promise<void> {
  const what = `verify of ${secret}: ${check.command[0]}`
  const env = childEnv({
    env: context.env,
    config: context.config,
    passEnv: [
      {from: `secrets.${secret}.passEnv`, names: context.secretPassEnv ?? []},
      {from: `secrets.${secret}.verify.command.passEnv`, names: check.passEnv ?? []},
    ],
    values: {[check.env]: value.reveal()},
  })
  const result = await runProgram({argv: check.command, baseDir: context.config?.baseDir, env, timeoutMs}).catch((error: unknown) => {
    if (error instanceof ProgramStartError) throw new VerifyError(`${what} could not be started: ${error.reason}`, {retryable: false})
    throw error
  })
  if (result.code === 0) return
  // A check that echoes its input must not carry the value into rotor's output.
  const tail = outputTail(result.stderr, [value.reveal()])
  throw new VerifyError(`${what} ${describeEnd(result, timeoutMs)}${tail ? `: ${tail}` : ''}`)
}
