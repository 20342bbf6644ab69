import {spawn} from 'node:child_process'
import {isAbsolute, resolve as resolvePath} from 'node:path'
import type {CommandVerify, RotorConfig} from '../config/types.js'
import {childEnv} from '../exec/child-env.js'
import type {SecretValue} from '../../providers/types.js'
import {VerifyError} from './errors.js'

const TAIL_CHARS = 200

export interface CommandContext {
  /** rotor's environment: the child gets only the allow-listed part of it (src/exec/child-env.ts). */
  env: NodeJS.ProcessEnv
  /** Credentials it names are never passed; `baseDir` is where a relative program is found. */
  config?: Pick<RotorConfig, 'stores' | 'notify' | 'baseDir'>
  /** The secret's own `passEnv`. */
  secretPassEnv?: string[]
}

/**
 * A program given with a directory part (`./check.sh`, `bin/check`) is found next to rotor.yaml,
 * not in the caller's working directory; a bare name is looked up in PATH.
 */
export function resolveProgram(program: string, baseDir: string | undefined): string {
  if (!baseDir || isAbsolute(program) || !program.includes('/')) return program
  return resolvePath(baseDir, program)
}

/** Runs the program without a shell; the value travels only in the environment variable. */
export function runCommandCheck(check: CommandVerify, value: SecretValue, timeoutMs: number, secret: string, context: CommandContext): Promise<void> {
  const [name, ...args] = check.command
  const program = resolveProgram(name, context.config?.baseDir)
  const what = `verify of ${secret}: ${name}`
  const env = childEnv({
    env: context.env,
    config: context.config,
    passEnv: [
      {from: `secrets.${secret}.passEnv`, names: context.secretPassEnv ?? []},
      {from: `secrets.${secret}.verify.command.passEnv`, names: check.passEnv ?? []},
    ],
    values: {[check.env]: value.reveal()},
  })
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env,
      ...(context.config?.baseDir ? {cwd: context.config.baseDir} : {}),
      stdio: ['ignore', 'ignore', 'pipe'],
      timeout: timeoutMs,
      killSignal: 'SIGKILL',
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-4 * TAIL_CHARS)
    })
    child.on('error', (error: NodeJS.ErrnoException) => {
      reject(new VerifyError(`${what} could not be started: ${error.code ?? error.message}`, {retryable: false}))
    })
    child.on('close', (code, signal) => {
      if (code === 0) return resolve()
      const why = signal ? `was stopped by ${signal}${signal === 'SIGKILL' ? ` (timeout ${timeoutMs} ms?)` : ''}` : `exited with ${code}`
      const tail = redact(stderr, value).trim().slice(-TAIL_CHARS)
      reject(new VerifyError(`${what} ${why}${tail ? `: ${tail}` : ''}`))
    })
  })
}

/** A check that echoes its input must not carry the value into rotor's output. */
function redact(text: string, value: SecretValue): string {
  const secret = value.reveal()
  return secret ? text.split(secret).join('[redacted]') : text
}
