/**
 * Runs a program with the environment it is given (built by childEnv, never rotor's own), and
 * reports how it ended as a shell would: its exit code, or 128 + the signal number. Values go
 * into the environment only, never into argv (visible to every user in `ps`). stdin is the
 * program's own; its stdout and stderr pass through a masker unless `mask` is empty.
 */
import {spawn} from 'node:child_process'
import {once} from 'node:events'
import {constants} from 'node:os'
import type {Readable, Writable} from 'node:stream'
import {RotorError} from '../errors/index.js'
import {ExitCode} from '../exit-codes.js'
import {ValueMasker} from './mask.js'

export interface RunOptions {
  /** Values to mask in the program's stdout and stderr; none means both are inherited as they are. */
  mask?: string[]
}

export async function runWithEnv(command: string, args: string[], env: Record<string, string>, options: RunOptions = {}): Promise<number> {
  const masking = (options.mask ?? []).length > 0
  const child = spawn(command, args, {stdio: masking ? ['inherit', 'pipe', 'pipe'] : 'inherit', env})
  const piped = masking ? [relay(child.stdout!, process.stdout, options.mask!), relay(child.stderr!, process.stderr, options.mask!)] : []
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal)
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((signal) => [signal, forward(signal)] as const)
  for (const [signal, handler] of handlers) process.on(signal, handler)
  try {
    const code = await new Promise<number>((resolve, reject) => {
      child.on('error', (error: NodeJS.ErrnoException) => reject(spawnError(command, error)))
      child.on('close', (code, signal) => resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1)))
    })
    await Promise.all(piped)
    return code
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler)
  }
}

/** Copies `from` to `to` with the values masked; resolves when the last byte was handed to `to`. */
async function relay(from: Readable, to: Writable, values: string[]): Promise<void> {
  const masker = new ValueMasker(values)
  from.pipe(masker).pipe(to, {end: false})
  await once(masker, 'end')
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
