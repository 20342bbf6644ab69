import {RotorError} from './rotor-error.js'

/** A file or directory rotor needed could not be read or written; names the path, never raw Node text. */
export class FileSystemError extends RotorError {
  override readonly code: string = 'FILE_SYSTEM'
  readonly path: string
  readonly errno: string
  constructor(message: string, options: {path: string; errno: string; hint?: string; cause?: unknown}) {
    super(message, {hint: options.hint, ref: options.path, cause: options.cause})
    this.path = options.path
    this.errno = options.errno
  }

  override toJSON(): Record<string, unknown> {
    return {...super.toJSON(), path: this.path, errno: this.errno}
  }
}

const REASONS: Record<string, {reason: string; hint: (path: string) => string}> = {
  ENOENT: {reason: 'no such file or directory', hint: (p) => `check that ${p} exists and the path is spelled right`},
  EACCES: {reason: 'permission denied', hint: (p) => `give the user running rotor access to ${p} (ls -l shows its owner and mode)`},
  EPERM: {reason: 'operation not permitted', hint: (p) => `give the user running rotor access to ${p}`},
  EISDIR: {reason: 'it is a directory, not a file', hint: () => 'point the setting at a file inside that directory'},
  ENOTDIR: {reason: 'a part of the path is not a directory', hint: () => 'check every folder in the path'},
  EROFS: {reason: 'the file system is read-only', hint: () => 'mount it read-write, or point rotor at a writable location'},
  ENOSPC: {reason: 'no space left on the device', hint: () => 'free some space and run again'},
  EMFILE: {reason: 'too many open files', hint: () => 'raise the open-file limit (ulimit -n) or lower the concurrency'},
  EEXIST: {reason: 'it already exists', hint: (p) => `remove or rename ${p} if it is left over`},
  ELOOP: {reason: 'too many symbolic links', hint: () => 'check for a symbolic link loop'},
}

/** A Node file-system error (has `code` like EACCES and usually `path`). */
export function isNodeFsError(error: unknown): error is NodeJS.ErrnoException & {code: string} {
  return error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string' && /^E[A-Z]+$/.test((error as NodeJS.ErrnoException).code!) && ((error as NodeJS.ErrnoException).syscall !== undefined || (error as NodeJS.ErrnoException).path !== undefined)
}

/**
 * The one translation of file-system errors: `cannot read the config file /x/rotor.yaml:
 * permission denied` with a hint. `what` names the role of the path (config file, audit log,
 * file store, scanned file); `path` defaults to the one Node reports.
 */
export function fromFsError(error: unknown, what?: string, path?: string): RotorError | unknown {
  if (!isNodeFsError(error)) return error
  const where = path ?? error.path ?? (error as {dest?: string}).dest ?? '(unknown path)'
  const known = REASONS[error.code]
  const verb = error.syscall === 'open' || error.syscall === 'read' || error.syscall === 'stat' || error.syscall === 'scandir' || error.syscall === undefined ? 'read' : 'write'
  const reason = known?.reason ?? error.code
  return new FileSystemError(`cannot ${verb} ${what ? `${what} ` : ''}${where}: ${reason}`, {
    path: where,
    errno: error.code,
    hint: known?.hint(where) ?? `check ${where}`,
    cause: error,
  })
}
