/**
 * The one runner for programs rotor starts on its own behalf (`verify.command`, the command
 * issuer's accept/check/revoke/list): no shell, an environment built by childEnv (values only
 * there, never in argv), a relative program found next to rotor.yaml, and a timeout that kills
 * the whole process group, so a script's own children (a `curl` it started) die with it. Output
 * is kept as a bounded tail for error messages, which callers redact.
 */
import {spawn} from 'node:child_process'
import {isAbsolute, resolve as resolvePath} from 'node:path'

/** What of a program's output is kept: enough for an `id=` line or an error's last words. */
const MAX_OUTPUT_CHARS = 64 * 1024

export interface ProgramRun {
  /** Program and arguments; the program is resolved by resolveProgram against `baseDir`. */
  argv: string[]
  /** rotor.yaml's directory: where a relative program is found, and the working directory. */
  baseDir?: string
  /** The whole environment of the child (childEnv's result). */
  env: Record<string, string>
  timeoutMs: number
  /** Keep stdout (the command issuer reads `id=` and list lines); otherwise it is discarded. */
  captureStdout?: boolean
}

export interface ProgramResult {
  /** The exit code, or null when a signal ended it. */
  code: number | null
  signal: NodeJS.Signals | null
  /** rotor killed it after `timeoutMs`. */
  timedOut: boolean
  stdout: string
  /** The last MAX_OUTPUT_CHARS of stderr, not redacted. */
  stderr: string
}

/** The program could not be started (not found, not executable). */
export class ProgramStartError extends Error {
  constructor(
    readonly program: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${program} could not be started: ${reason}`, options)
  }
}

/**
 * A program given with a directory part (`./check.sh`, `bin/check`) is found next to rotor.yaml,
 * not in the caller's working directory; a bare name is looked up in PATH.
 */
export function resolveProgram(program: string, baseDir: string | undefined): string {
  if (!baseDir || isAbsolute(program) || !program.includes('/')) return program
  return resolvePath(baseDir, program)
}

export function runProgram(run: ProgramRun): Promise<ProgramResult> {
  const [name, ...args] = run.argv
  const program = resolveProgram(name, run.baseDir)
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, {
      env: run.env,
      ...(run.baseDir ? {cwd: run.baseDir} : {}),
      stdio: ['ignore', run.captureStdout ? 'pipe' : 'ignore', 'pipe'],
      // Its own process group, so a timeout can kill everything it started.
      detached: true,
    })
    let stdout = ''
    let stderr = ''
    let timedOut = false
    child.stdout?.on('data', (chunk: Buffer) => {
      if (stdout.length < MAX_OUTPUT_CHARS) stdout += chunk.toString('utf8')
    })
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString('utf8')).slice(-MAX_OUTPUT_CHARS)
    })
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL')
      } catch {
        // Already gone.
      }
    }
    const timer = setTimeout(() => {
      timedOut = true
      killGroup()
    }, run.timeoutMs)
    // A program that exits leaves nothing behind: a background child holding its pipes open
    // would otherwise keep `close` from firing until the timeout.
    child.on('exit', killGroup)
    // Its own group does not get the terminal's Ctrl-C: when rotor goes, the group goes too.
    process.once('exit', killGroup)
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer)
      process.off('exit', killGroup)
      const reason = error.code === 'ENOENT' ? 'not found' : error.code === 'EACCES' ? 'permission denied (not an executable file)' : (error.code ?? error.message)
      reject(new ProgramStartError(name, reason, {cause: error}))
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      process.off('exit', killGroup)
      resolve({code, signal, timedOut, stdout: stdout.slice(0, MAX_OUTPUT_CHARS), stderr})
    })
  })
}

/** How a run ended, for a message: `exited with 3`, `timed out after 30000 ms`, `was stopped by SIGTERM`. */
export function describeEnd(result: ProgramResult, timeoutMs: number): string {
  if (result.timedOut) return `timed out after ${timeoutMs} ms (its process group was killed)`
  if (result.signal) return `was stopped by ${result.signal}`
  return `exited with ${result.code}`
}

/** The last `chars` characters of a program's output with `values` masked, for an error message. */
export function outputTail(text: string, values: string[], chars = 200): string {
  let masked = text
  for (const value of values) if (value) masked = masked.split(value).join('[redacted]')
  return masked.trim().slice(-chars)
}
