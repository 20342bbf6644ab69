import {RotorError} from '../errors/index.js'

/**
 * Another rotor run got to the secret first: it holds the lease, took it over, or won a
 * conditional write. This run skips the secret (after undoing its own staged versions); the
 * other run's work stands, and the next run observes the result.
 */
export class SkippedError extends RotorError {
  override readonly code: string = 'SKIPPED'
}

/** A live lease of another run. */
export class LeaseHeldError extends SkippedError {
  override readonly code = 'LEASED'
}

/** A conditional write (or the lease check before promoting) lost to a concurrent writer. */
export class LostRaceError extends SkippedError {
  override readonly code = 'LOST_RACE'
}

export const isSkipped = (error: unknown): error is SkippedError => error instanceof SkippedError
