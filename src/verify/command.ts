import {spawn} from 'node:child_process'
import type {CommandVerify} from '../config/types.js'
import type {SecretValue} from '../../providers/types.js'
import {VerifyError} from './errors.js'

const TAIL_CHARS = 200

/** Runs the program without a shell; the value travels only in the environment variable. */
export function runCommandCheck(check: CommandVerify, value: SecretValue, timeoutMs: number, secret: string, env: NodeJS.ProcessEnv): Promise<void> {
  const [program, ...args] = check.command
  const what = `verify of ${secret}: ${program}`
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: {...env, [check.env]: value.reveal()},
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
