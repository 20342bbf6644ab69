/**
 * The one error formatter: commands (BaseCommand.catch), the command-not-found hook and the
 * process-level handlers in bin/run.js print through it. One `Error:` line (or a numbered list),
 * a hint, no stack trace unless DEBUG names rotor. Kept free of heavy imports: bin/run.js loads
 * it on a crash path only.
 */
import {ExitCode} from '../exit-codes.js'
import {fromFsError} from './fs.js'
import {isRotorError} from './guards.js'
import type {RotorError} from './rotor-error.js'

export interface FormattedError {
  code: string
  message: string
  hint?: string
  exitCode: number
}

/** Any thrown value as the fields rotor prints; Node fs errors are translated first. */
export function describeError(thrown: unknown, exitCode?: number): FormattedError & {rotor?: RotorError} {
  const error = fromFsError(thrown)
  if (isRotorError(error)) return {code: error.code, message: error.message, hint: error.hint, exitCode: exitCode ?? error.exitCode, rotor: error}
  const message = error instanceof Error ? error.message : String(error)
  return {code: 'INTERNAL', message, hint: internalHint(), exitCode: exitCode ?? ExitCode.ERROR}
}

/** `{error: {...}}` as printed under --json. */
export function errorJson(thrown: unknown, exitCode?: number): Record<string, unknown> {
  const {rotor, ...fields} = describeError(thrown, exitCode)
  return rotor ? {...rotor.toJSON(), exitCode: fields.exitCode} : {name: thrown instanceof Error ? thrown.name : 'Error', ...fields}
}

export function errorText(thrown: unknown, options: {color?: {red: (s: string) => string; dim: (s: string) => string}} = {}): string {
  const red = options.color?.red ?? ((s: string) => s)
  const dim = options.color?.dim ?? ((s: string) => s)
  const {message, hint} = describeError(thrown)
  // Our messages carry file:line:column references; print them whole, never wrapped.
  const lines = message.split('\n')
  const body = lines.length > 1 ? `${lines.length} problems:\n${lines.map((l) => `  ${l}`).join('\n')}` : lines[0]
  const stack = debugging() && thrown instanceof Error && thrown.stack ? `${thrown.stack}\n` : ''
  return `${red('Error:')} ${body}\n${hint ? `${dim('Hint:')} ${hint}\n` : ''}${stack}`
}

export function debugging(env: NodeJS.ProcessEnv = process.env): boolean {
  return (env.DEBUG ?? '').split(/[\s,]+/).some((d) => d === '*' || d === 'rotor' || d.startsWith('rotor'))
}

const internalHint = () => (debugging() ? undefined : 'this is a bug in rotor or an unexpected failure; run again with DEBUG=rotor for the stack trace')
