/**
 * The state behind the GCP Secret Manager emulator: secrets (labels, annotations, version
 * aliases, etag, version-destroy TTL) and their numbered versions (ENABLED / DISABLED /
 * DESTROYED, scheduled destruction), with the rules the real service enforces.
 *
 * References followed: the v1 proto comments shipped in @google-cloud/secret-manager
 * (resources.proto, service.proto: alias and annotation rules, `latest`, destroy TTL); the
 * Secret Manager docs "Use entity tags for optimistic concurrency control" (etags are quoted
 * strings; a mismatch fails with FAILED_PRECONDITION / HTTP 400; every modification, even a
 * no-op, changes the etag of the resource it applies to and only that one), "Filter lists of
 * secrets" (`name:` is a substring match, `labels.k=v`, results sorted by name), "Delay the
 * destruction of secret versions" (destroy with a TTL disables now and schedules destruction;
 * enabling restores), and the error texts users report (external-secrets#4042, #1951:
 * accessing a DISABLED/DESTROYED version, also through `latest`, is FAILED_PRECONDITION
 * "Secret Version [...] is in DISABLED state."; PERMISSION_DENIED "Permission '...' denied for
 * resource '...' (or it may not exist)."). Where the reference is silent the choice is commented.
 */
import {randomBytes} from 'node:crypto'
import {status} from '@grpc/grpc-js'

/** An error the service answers with: a gRPC status code and message. */
export class GcpFault extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message)
  }
}

export type VersionState = 'ENABLED' | 'DISABLED' | 'DESTROYED'

export interface EmuVersion {
  number: number
  createdAt: number
  state: VersionState
  etag: string
  /** Absent once destroyed. */
  data?: Buffer
  destroyedAt?: number
  scheduledDestroyAt?: number
}

export interface EmuSecret {
  /** `projects/p/secrets/s` or `projects/p/locations/l/secrets/s`. */
  name: string
  createdAt: number
  etag: string
  labels: Record<string, string>
  annotations: Record<string, string>
  aliases: Record<string, number>
  /** Seconds; 0 = destroy at once. */
  versionDestroyTtlSeconds: number
  replication?: unknown
  versions: EmuVersion[]
  nextVersion: number
}

export const MAX_PAYLOAD_BYTES = 65_536
const SECRET_ID = /^[A-Za-z0-9_-]{1,255}$/
const ALIAS = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/
const ANNOTATION_KEY = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/
const LABEL_KEY = /^[\p{Ll}\p{Lo}][\p{Ll}\p{Lo}\p{N}_-]{0,62}$/u
const LABEL_VALUE = /^[\p{Ll}\p{Lo}\p{N}_-]{0,63}$/u
const PARENT = /^projects\/([^/]+)(?:\/locations\/([^/]+))?$/
const SECRET_NAME = /^(projects\/[^/]+(?:\/locations\/[^/]+)?)\/secrets\/([^/]+)$/
const VERSION_NAME = /^(projects\/[^/]+(?:\/locations\/[^/]+)?\/secrets\/[^/]+)\/versions\/([^/]+)$/

export class SecretStore {
  readonly secrets = new Map<string, EmuSecret>()

  constructor(readonly now: () => number) {}

  /** Etags are opaque quoted strings (AIP-154); a fresh one on every modification. */
  newEtag(): string {
    return `"${randomBytes(7).toString('hex')}"`
  }

  parseParent(parent: unknown): {project: string; location?: string} {
    const m = typeof parent === 'string' ? PARENT.exec(parent) : null
    if (!m) throw new GcpFault(status.INVALID_ARGUMENT, `Invalid resource field value in the request: parent [${String(parent)}].`)
    return {project: m[1], ...(m[2] ? {location: m[2]} : {})}
  }

  checkSecretId(id: unknown): string {
    if (typeof id !== 'string' || !SECRET_ID.test(id)) {
      throw new GcpFault(
        status.INVALID_ARGUMENT,
        'The provided secret_id is invalid: it must be 1-255 characters of letters, numerals, underscores and hyphens.',
      )
    }
    return id
  }

  secret(name: unknown): EmuSecret {
    if (typeof name !== 'string' || !SECRET_NAME.test(name)) {
      throw new GcpFault(status.INVALID_ARGUMENT, `Invalid resource field value in the request: name [${String(name)}].`)
    }
    const secret = this.secrets.get(name)
    if (!secret) throw new GcpFault(status.NOT_FOUND, `Secret [${name}] not found.`)
    return secret
  }

  /** `versions/N`, `versions/latest` (the newest, whatever its state) or `versions/<alias>`. */
  version(name: unknown): {secret: EmuSecret; version: EmuVersion} {
    const m = typeof name === 'string' ? VERSION_NAME.exec(name) : null
    if (!m) throw new GcpFault(status.INVALID_ARGUMENT, `Invalid resource field value in the request: name [${String(name)}].`)
    const secret = this.secret(m[1])
    const ref = m[2]
    let version: EmuVersion | undefined
    if (ref === 'latest') {
      version = secret.versions.at(-1)
      if (!version) throw new GcpFault(status.NOT_FOUND, `Secret [${secret.name}] not found or has no versions.`)
    } else if (/^\d+$/.test(ref)) {
      version = secret.versions.find((v) => v.number === Number(ref))
    } else {
      const number = secret.aliases[ref]
      version = number === undefined ? undefined : secret.versions.find((v) => v.number === number)
    }
    if (!version) throw new GcpFault(status.NOT_FOUND, `Secret Version [${name as string}] not found.`)
    this.settle(version)
    return {secret, version}
  }

  versionName(secret: EmuSecret, version: EmuVersion): string {
    return `${secret.name}/versions/${version.number}`
  }

  /** A scheduled destruction happens once its time has come; checked whenever a version is looked at. */
  settle(version: EmuVersion): void {
    if (version.scheduledDestroyAt !== undefined && version.scheduledDestroyAt <= this.now()) {
      this.destroyNow(version)
    }
  }

  destroyNow(version: EmuVersion): void {
    version.state = 'DESTROYED'
    version.destroyedAt = this.now()
    delete version.scheduledDestroyAt
    delete version.data
    version.etag = this.newEtag()
  }

  checkEtag(given: unknown, current: string): void {
    if (typeof given === 'string' && given !== '' && given !== current) {
      throw new GcpFault(status.FAILED_PRECONDITION, `The etag provided in the request (${given}) does not match the current etag of the resource.`)
    }
  }

  checkLabels(labels: Record<string, string>): void {
    const entries = Object.entries(labels)
    if (entries.length > 64) throw new GcpFault(status.INVALID_ARGUMENT, 'A secret can have at most 64 labels.')
    for (const [key, value] of entries) {
      if (!LABEL_KEY.test(key) || !LABEL_VALUE.test(value)) {
        throw new GcpFault(
          status.INVALID_ARGUMENT,
          `Invalid label [${key}]: keys start with a lowercase letter; keys and values are at most 63 lowercase letters, numerals, underscores and dashes.`,
        )
      }
    }
  }

  checkAnnotations(annotations: Record<string, string>): void {
    let size = 0
    for (const [key, value] of Object.entries(annotations)) {
      if (!ANNOTATION_KEY.test(key) || Buffer.byteLength(key) > 128) {
        throw new GcpFault(status.INVALID_ARGUMENT, `Invalid annotation key [${key}].`)
      }
      size += Buffer.byteLength(key) + Buffer.byteLength(value)
    }
    if (size >= 16 * 1024) throw new GcpFault(status.INVALID_ARGUMENT, 'The total size of annotation keys and values must be less than 16KiB.')
  }

  /**
   * Aliases must name existing versions. Whether the service refuses an alias to a DISABLED or
   * DESTROYED version is not documented; the emulator allows it (access through it then fails
   * with FAILED_PRECONDITION like any access to such a version).
   */
  checkAliases(secret: EmuSecret, aliases: Record<string, number>): void {
    const entries = Object.entries(aliases)
    if (entries.length > 50) throw new GcpFault(status.INVALID_ARGUMENT, 'No more than 50 aliases can be assigned to a secret.')
    for (const [alias, number] of entries) {
      if (!ALIAS.test(alias) || alias === 'latest' || alias === 'NEW') {
        throw new GcpFault(status.INVALID_ARGUMENT, `Invalid version alias [${alias}].`)
      }
      if (!secret.versions.some((v) => v.number === number)) {
        throw new GcpFault(status.INVALID_ARGUMENT, `Version alias [${alias}] refers to version [${number}], which does not exist.`)
      }
    }
  }

  addVersion(secret: EmuSecret, data: Buffer): EmuVersion {
    const version: EmuVersion = {number: secret.nextVersion++, createdAt: this.now(), state: 'ENABLED', etag: this.newEtag(), data}
    secret.versions.push(version)
    return version
  }
}
