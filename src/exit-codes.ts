/**
 * The one table of exit codes. `--help` prints it (see src/cli/help.ts) and every error carries
 * one of these, so scripts can tell "changes pending" from "broken" the way terraform's
 * `-detailed-exitcode` does.
 */
export const ExitCode = {
  OK: 0,
  ERROR: 1,
  CHANGES_PENDING: 2,
  PARTIAL_FAILURE: 3,
  LEAKS_FOUND: 4,
  LOCKED: 5,
  FINDINGS: 6,
  USAGE: 64,
  CONFIG_INVALID: 65,
  /** `exec`: the program exists but cannot be run (as `env` and shells report it). */
  NOT_EXECUTABLE: 126,
  /** `exec`: the program was not found. */
  COMMAND_NOT_FOUND: 127,
  /** Interrupted by SIGINT (Ctrl-C) or cancelled at a prompt: 128 + 2, as shells report it. */
  INTERRUPTED: 130,
  /** Stopped by SIGTERM: 128 + 15. */
  TERMINATED: 143,
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export const exitCodeTable: ReadonlyArray<{code: ExitCode; meaning: string}> = [
  {code: ExitCode.OK, meaning: 'success; nothing left to do'},
  {code: ExitCode.ERROR, meaning: 'error; nothing was changed by the failing step'},
  {code: ExitCode.CHANGES_PENDING, meaning: 'changes pending (plan/diff with --detailed-exitcode)'},
  {code: ExitCode.PARTIAL_FAILURE, meaning: 'partial failure: some secrets or targets failed, the rest succeeded'},
  {code: ExitCode.LEAKS_FOUND, meaning: 'leaks found (scan)'},
  {code: ExitCode.LOCKED, meaning: 'another rotor run holds the lock'},
  {code: ExitCode.FINDINGS, meaning: 'findings at or above --fail-on (check)'},
  {code: ExitCode.USAGE, meaning: 'bad flags or arguments'},
  {code: ExitCode.CONFIG_INVALID, meaning: 'invalid configuration (file, line and key are named)'},
  {code: ExitCode.NOT_EXECUTABLE, meaning: 'exec: the command is not executable'},
  {code: ExitCode.COMMAND_NOT_FOUND, meaning: 'exec: the command was not found'},
  {code: ExitCode.INTERRUPTED, meaning: 'interrupted (Ctrl-C) or cancelled at a prompt; the next run finishes what was started'},
  {code: ExitCode.TERMINATED, meaning: 'stopped by SIGTERM; the next run finishes what was started'},
]
