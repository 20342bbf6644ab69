/**
 * The SCRAM-SHA-256 verifier of a password, computed here so that `ALTER ROLE ... PASSWORD` carries
 * the verifier and never the password: PostgreSQL stores a pre-hashed `SCRAM-SHA-256$...` string as
 * it is (it recognises the format), so the plain password never reaches the server's log
 * (`log_statement`), pg_stat_statements or pg_stat_activity. This is what `psql`'s `\password`
 * and libpq's PQencryptPasswordConn do (RFC 5802 / RFC 7677, PostgreSQL's scram-common.c).
 */
import {createHash, createHmac, pbkdf2Sync, randomBytes} from 'node:crypto'

/** PostgreSQL's default (scram_iterations, 4096 since 10). */
export const SCRAM_ITERATIONS = 4096
const SALT_BYTES = 16

/**
 * PostgreSQL runs SASLprep on the password (RFC 4013) and leaves pure ASCII as it is. rotor's
 * generator alphabets are ASCII; a value outside it is refused rather than hashed in a way the
 * server might normalise differently.
 */
export function isScramSafe(password: string): boolean {
  return /^[\x20-\x7e]+$/.test(password)
}

export function scramVerifier(password: string, options: {salt?: Buffer; iterations?: number} = {}): string {
  if (!isScramSafe(password)) throw new TypeError('the password must be printable ASCII to be hashed for SCRAM-SHA-256')
  const salt = options.salt ?? randomBytes(SALT_BYTES)
  const iterations = options.iterations ?? SCRAM_ITERATIONS
  const salted = pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, 32, 'sha256')
  const clientKey = createHmac('sha256', salted).update('Client Key').digest()
  const storedKey = createHash('sha256').update(clientKey).digest()
  const serverKey = createHmac('sha256', salted).update('Server Key').digest()
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}
