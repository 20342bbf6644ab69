import {RotorError} from '../../src/errors/index.js'

/**
 * The file store is older than the last state this user saw of it: a restored backup, a snapshot
 * copied back, or a replacement. Writing to it could hand out values that were rotated away, or
 * lose rotations the other targets already have; `rotor store accept-rollback` accepts it.
 */
export class StoreRollbackError extends RotorError {
  override readonly code = 'STORE_ROLLBACK'
}
