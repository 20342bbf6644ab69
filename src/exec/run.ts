/**
 * Runs a program with extra environment variables, stdio inherited, and reports how it ended as
 * a shell would: its exit code, or 128 + the signal number. Values go into the environment only,
 * never into argv (visible to every user in `ps`).
 */
import {spawn} from 'node:child_process'
import {constants} from 'node:os'
import {UsageError} from '../errors/index.js'

export async function runWithEnv(command: string, args: string[], extra: Record<string, string>): Promise<number> {
  const child = spawn(command, args, {stdio: 'inherit', env: {...process.env, ...extra}})
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal)
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, forward(signal)] as const)
  for (const [signal, handler] of handlers) process.on(signal, handler)
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          new UsageError(`cannot run ${command}: ${error.code === 'ENOENT' ? 'not found' : error.message}`, {
            hint: 'give the program after --, e.g. rotor exec -- ./server --port 8080',
          }),
        ),
      )
      child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1)))
    })
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler)
  }
}
