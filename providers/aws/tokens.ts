/**
 * rotationId <-> ClientRequestToken. The token becomes the version's VersionId, so it must be
 * deterministic (a retried write sends the same token and AWS answers with the same version)
 * and 32-64 characters long. rotor writes `<rotationId>-<check>`, where `check` is hex of
 * SHA-256("rotor/aws/v1:" + rotationId), at least 8 characters and padded so the token
 * reaches 32. Reading a VersionId back, a split that re-encodes to the same token names the
 * rotation that wrote it; versions written by anyone else (UUIDs) do not re-encode and carry no
 * rotation id. Rotation ids longer than 55 characters cannot carry themselves plus a check in
 * 64 characters: they get a plain digest, which is still idempotent but not reversible.
 */
import {createHash} from 'node:crypto'

const MIN_TOKEN = 32
const MAX_TOKEN = 64
const MIN_CHECK = 8
export const MAX_REVERSIBLE_ROTATION_ID = MAX_TOKEN - 1 - MIN_CHECK

const digest = (rotationId: string) => createHash('sha256').update(`rotor/aws/v1:${rotationId}`).digest('hex')

export function requestTokenFor(rotationId: string): string {
  const hash = digest(rotationId)
  if (rotationId.length > MAX_REVERSIBLE_ROTATION_ID) return `rotor-${hash.slice(0, MAX_TOKEN - 6)}`
  const checkLength = Math.max(MIN_CHECK, MIN_TOKEN - rotationId.length - 1)
  return `${rotationId}-${hash.slice(0, checkLength)}`
}

export function rotationIdFromVersionId(versionId: string): string | undefined {
  // Rotation ids may themselves contain '-', so try every split, last first.
  for (let i = versionId.lastIndexOf('-'); i > 0; i = versionId.lastIndexOf('-', i - 1)) {
    const candidate = versionId.slice(0, i)
    if (requestTokenFor(candidate) === versionId) return candidate
  }
  return undefined
}
