/**
 * Runs a program with extra environment variables, stdio inherited, and reports how it ended as
 * a shell would: its exit code, or 128 + the signal number. Values go into the environment only,
 * never into argv (visible to every user in `ps`).
 */
import {spawn} from 'node:child_process'
import {constants} from 'node:os'
import {RotorError} from '../errors/index.js'
import {ExitCode} from '../exit-codes.js'

export async function runWithEnv(command: string, args: string[], extra: Record<string, string>): Promise<number> {
  const child = spawn(command, args, {stdio: 'inherit', env: {...process.env, ...extra}})
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal)
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, forward(signal)] as const)
  for (const [signal, handler] of handlers) process.on(signal, handler)
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', (error: NodeJS.ErrnoException) => reject(spawnError(command, error)))
      child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1)))
    })
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler)
  }
}

/** Exit 127 when the program is not found and 126 when it cannot be run, as `env` and shells do. */
function spawnError(command: string, error: NodeJS.ErrnoException): RotorError {
  if (error.code === 'ENOENT') {
    const where = command.includes('/') ? 'check the path' : 'check the name and $PATH, or give a path such as ./server'
    return new RotorError(`cannot run ${command}: command not found`, {
      exitCode: ExitCode.COMMAND_NOT_FOUND,
      hint: `${where}; the command goes after --, e.g. rotor exec -- ./server --port 8080`,
      cause: error,
    })
  }
  const reason = error.code === 'EACCES' ? 'permission denied (not an executable file)' : error.message
  return new RotorError(`cannot run ${command}: ${reason}`, {
    exitCode: ExitCode.NOT_EXECUTABLE,
    hint: error.code === 'EACCES' ? `make it executable (chmod +x ${command}) or run it through its interpreter` : undefined,
    cause: error,
  })
}
