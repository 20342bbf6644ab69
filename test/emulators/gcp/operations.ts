/**
 * One handler per SecretManagerService RPC rotor (or a test acting as another tool) uses:
 * a request object in (proto-loader, camelCase, int64 as strings), a response object out,
 * GcpFault for errors. Semantics and references: see model.ts.
 */
import {status} from '@grpc/grpc-js'
import {type EmuSecret, type EmuVersion, GcpFault, MAX_PAYLOAD_BYTES, type SecretStore} from './model.js'
import {matchesSecretFilter, matchesVersionFilter, page} from './listing.js'

type Request = Record<string, unknown>

export interface OperationContext {
  /** Throws PERMISSION_DENIED when the caller lacks `permission` on `resource`. */
  authorize(permission: string, resource: string): void
  /** Permissions the caller holds, of those asked (TestIamPermissions). */
  held(permissions: string[]): string[]
}

export type Handler = (store: SecretStore, request: Request, ctx: OperationContext) => unknown

/** RPCs counted against the "Write requests per minute" quota. */
export const WRITE_OPERATIONS = new Set([
  'CreateSecret',
  'UpdateSecret',
  'DeleteSecret',
  'AddSecretVersion',
  'EnableSecretVersion',
  'DisableSecretVersion',
  'DestroySecretVersion',
  'SetIamPolicy',
])

const timestamp = (ms: number | undefined) =>
  ms === undefined ? null : {seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000}

const durationSeconds = (d: unknown): number => {
  const duration = d as {seconds?: string | number; nanos?: number} | null | undefined
  return duration ? Number(duration.seconds ?? 0) + (duration.nanos ?? 0) / 1e9 : 0
}

const stringMap = (m: unknown): Record<string, string> => ({...((m as Record<string, string> | null) ?? {})})

const aliasMap = (m: unknown): Record<string, number> =>
  Object.fromEntries(Object.entries((m as Record<string, string | number> | null) ?? {}).map(([k, v]) => [k, Number(v)]))

export function secretResource(secret: EmuSecret) {
  return {
    name: secret.name,
    createTime: timestamp(secret.createdAt),
    labels: {...secret.labels},
    annotations: {...secret.annotations},
    versionAliases: Object.fromEntries(Object.entries(secret.aliases).map(([k, v]) => [k, String(v)])),
    etag: secret.etag,
    ...(secret.replication ? {replication: secret.replication} : {}),
    ...(secret.versionDestroyTtlSeconds > 0 ? {versionDestroyTtl: {seconds: String(secret.versionDestroyTtlSeconds), nanos: 0}} : {}),
  }
}

export function versionResource(store: SecretStore, secret: EmuSecret, version: EmuVersion) {
  store.settle(version)
  return {
    name: store.versionName(secret, version),
    createTime: timestamp(version.createdAt),
    destroyTime: timestamp(version.destroyedAt),
    scheduledDestroyTime: timestamp(version.scheduledDestroyAt),
    state: version.state,
    etag: version.etag,
    clientSpecifiedPayloadChecksum: false,
  }
}

function versionChange(store: SecretStore, request: Request, ctx: OperationContext, permission: string) {
  ctx.authorize(permission, String(request.name))
  const {secret, version} = store.version(request.name)
  store.checkEtag(request.etag, version.etag)
  if (version.state === 'DESTROYED') {
    throw new GcpFault(status.FAILED_PRECONDITION, `Secret Version [${store.versionName(secret, version)}] is in DESTROYED state.`)
  }
  return {secret, version}
}

/** Fields UpdateSecret may change; gRPC field masks use the proto (snake_case) names. */
const UPDATABLE = new Set(['labels', 'annotations', 'version_aliases', 'version_destroy_ttl', 'topics', 'expire_time', 'ttl', 'rotation'])

export const operations: Record<string, Handler> = {
  CreateSecret(store, request, ctx) {
    ctx.authorize('secretmanager.secrets.create', String(request.parent))
    const {location} = store.parseParent(request.parent)
    const id = store.checkSecretId(request.secretId)
    const body = (request.secret ?? {}) as Request
    const name = `${String(request.parent)}/secrets/${id}`
    if (store.secrets.has(name)) throw new GcpFault(status.ALREADY_EXISTS, `Secret [${name}] already exists.`)
    const replication = body.replication as Request | null
    // Global secrets need a replication policy; regional ones live in their location and take none.
    if (!location && !replication?.automatic && !replication?.userManaged) {
      throw new GcpFault(status.INVALID_ARGUMENT, 'Secret.replication is required.')
    }
    if (location && (replication?.automatic || replication?.userManaged)) {
      throw new GcpFault(status.INVALID_ARGUMENT, 'Replication policy cannot be set for regional secrets.')
    }
    const labels = stringMap(body.labels)
    const annotations = stringMap(body.annotations)
    store.checkLabels(labels)
    store.checkAnnotations(annotations)
    if (Object.keys(aliasMap(body.versionAliases)).length > 0) {
      throw new GcpFault(status.INVALID_ARGUMENT, 'Version aliases cannot be set when creating a secret: it has no versions yet.')
    }
    const secret: EmuSecret = {
      name,
      createdAt: store.now(),
      etag: store.newEtag(),
      labels,
      annotations,
      aliases: {},
      versionDestroyTtlSeconds: durationSeconds(body.versionDestroyTtl),
      ...(location ? {} : {replication}),
      versions: [],
      nextVersion: 1,
    }
    store.secrets.set(name, secret)
    return secretResource(secret)
  },

  GetSecret(store, request, ctx) {
    ctx.authorize('secretmanager.secrets.get', String(request.name))
    return secretResource(store.secret(request.name))
  },

  UpdateSecret(store, request, ctx) {
    const body = (request.secret ?? {}) as Request
    ctx.authorize('secretmanager.secrets.update', String(body.name))
    const secret = store.secret(body.name)
    const paths = ((request.updateMask as {paths?: string[]} | null)?.paths ?? []).filter((p) => p !== '')
    if (paths.length === 0) throw new GcpFault(status.INVALID_ARGUMENT, 'update_mask is required and must name at least one field.')
    for (const path of paths) {
      if (!UPDATABLE.has(path)) throw new GcpFault(status.INVALID_ARGUMENT, `Invalid update_mask path [${path}].`)
    }
    store.checkEtag(body.etag, secret.etag)
    // Validate everything before changing anything: an UpdateSecret is all or nothing.
    const next = {
      labels: paths.includes('labels') ? stringMap(body.labels) : secret.labels,
      annotations: paths.includes('annotations') ? stringMap(body.annotations) : secret.annotations,
      aliases: paths.includes('version_aliases') ? aliasMap(body.versionAliases) : secret.aliases,
    }
    store.checkLabels(next.labels)
    store.checkAnnotations(next.annotations)
    store.checkAliases(secret, next.aliases)
    Object.assign(secret, next)
    if (paths.includes('version_destroy_ttl')) secret.versionDestroyTtlSeconds = durationSeconds(body.versionDestroyTtl)
    secret.etag = store.newEtag()
    return secretResource(secret)
  },

  DeleteSecret(store, request, ctx) {
    ctx.authorize('secretmanager.secrets.delete', String(request.name))
    const secret = store.secret(request.name)
    store.checkEtag(request.etag, secret.etag)
    store.secrets.delete(secret.name)
    return {}
  },

  ListSecrets(store, request, ctx) {
    ctx.authorize('secretmanager.secrets.list', String(request.parent))
    store.parseParent(request.parent)
    const prefix = `${String(request.parent)}/secrets/`
    const filter = String(request.filter ?? '')
    const all = [...store.secrets.values()]
      .filter((s) => s.name.startsWith(prefix) && !s.name.slice(prefix.length).includes('/'))
      .filter((s) => matchesSecretFilter(s, filter))
      .sort((a, b) => a.name.localeCompare(b.name))
    const {items, nextPageToken} = page(all, request.pageSize, request.pageToken)
    return {secrets: items.map(secretResource), nextPageToken, totalSize: all.length}
  },

  AddSecretVersion(store, request, ctx) {
    ctx.authorize('secretmanager.versions.add', String(request.parent))
    const secret = store.secret(request.parent)
    const payload = (request.payload ?? {}) as {data?: Buffer}
    const data = Buffer.from(payload.data ?? Buffer.alloc(0))
    if (data.length > MAX_PAYLOAD_BYTES) {
      throw new GcpFault(status.INVALID_ARGUMENT, `Secret payload data is larger than ${MAX_PAYLOAD_BYTES} bytes.`)
    }
    // Adding a version creates the version's etag; the secret's own etag stays as it was.
    return versionResource(store, secret, store.addVersion(secret, data))
  },

  GetSecretVersion(store, request, ctx) {
    ctx.authorize('secretmanager.versions.get', String(request.name))
    const {secret, version} = store.version(request.name)
    return versionResource(store, secret, version)
  },

  ListSecretVersions(store, request, ctx) {
    ctx.authorize('secretmanager.versions.list', String(request.parent))
    const secret = store.secret(request.parent)
    const filter = String(request.filter ?? '')
    for (const v of secret.versions) store.settle(v)
    // Newest first, as the service lists them.
    const all = [...secret.versions].reverse().filter((v) => matchesVersionFilter(v, filter))
    const {items, nextPageToken} = page(all, request.pageSize, request.pageToken)
    return {versions: items.map((v) => versionResource(store, secret, v)), nextPageToken, totalSize: all.length}
  },

  AccessSecretVersion(store, request, ctx) {
    ctx.authorize('secretmanager.versions.access', String(request.name))
    const {secret, version} = store.version(request.name)
    if (version.state !== 'ENABLED' || !version.data) {
      throw new GcpFault(status.FAILED_PRECONDITION, `Secret Version [${store.versionName(secret, version)}] is in ${version.state} state.`)
    }
    return {name: store.versionName(secret, version), payload: {data: version.data}}
  },

  EnableSecretVersion(store, request, ctx) {
    const {secret, version} = versionChange(store, request, ctx, 'secretmanager.versions.enable')
    // Enabling a version scheduled for destruction cancels the destruction (the restore path).
    version.state = 'ENABLED'
    delete version.scheduledDestroyAt
    version.etag = store.newEtag()
    return versionResource(store, secret, version)
  },

  DisableSecretVersion(store, request, ctx) {
    const {secret, version} = versionChange(store, request, ctx, 'secretmanager.versions.disable')
    version.state = 'DISABLED'
    version.etag = store.newEtag()
    return versionResource(store, secret, version)
  },

  DestroySecretVersion(store, request, ctx) {
    const {secret, version} = versionChange(store, request, ctx, 'secretmanager.versions.destroy')
    if (secret.versionDestroyTtlSeconds > 0) {
      // Not documented: a second destroy of a version already scheduled is refused rather than
      // moving its destruction time.
      if (version.scheduledDestroyAt !== undefined) {
        throw new GcpFault(status.FAILED_PRECONDITION, `Secret Version [${store.versionName(secret, version)}] is already scheduled for destruction.`)
      }
      version.state = 'DISABLED'
      version.scheduledDestroyAt = store.now() + secret.versionDestroyTtlSeconds * 1000
      version.etag = store.newEtag()
    } else {
      store.destroyNow(version)
    }
    return versionResource(store, secret, version)
  },

  TestIamPermissions(store, request, ctx) {
    const resource = String(request.resource)
    store.secret(resource)
    return {permissions: ctx.held(((request.permissions as string[] | null) ?? []).filter((p) => p.startsWith('secretmanager.')))}
  },

  GetIamPolicy(store, request, ctx) {
    ctx.authorize('secretmanager.secrets.getIamPolicy', String(request.resource))
    store.secret(request.resource)
    return {version: 1, bindings: [], etag: Buffer.from('ACAB')}
  },
}
