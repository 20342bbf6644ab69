import {RotorError} from './rotor-error.js'
import {ConflictError, InterruptedError, NotFoundError, ThrottledError} from './kinds.js'

export const isRotorError = (e: unknown): e is RotorError => e instanceof RotorError
export const isRetryable = (e: unknown): boolean => isRotorError(e) && e.retryable
export const isNotFound = (e: unknown): e is NotFoundError => e instanceof NotFoundError
export const isConflict = (e: unknown): e is ConflictError => e instanceof ConflictError
export const isThrottled = (e: unknown): e is ThrottledError => e instanceof ThrottledError
export const isInterrupted = (e: unknown): e is InterruptedError => e instanceof InterruptedError
