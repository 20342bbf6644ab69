/**
 * The Key Vault secrets REST surface (api-version 7.x and 2025-07-01 share it): routing, request
 * bodies and response shapes (SecretBundle, SecretItem, DeletedSecretBundle, `{value, nextLink}`
 * pages), following learn.microsoft.com/rest/api/keyvault/secrets. See model.ts for the rules.
 */
import {type AttributesInput, KvFault, RECOVERABLE_DAYS, RECOVERY_LEVEL, type StoredSecret, type StoredVersion, type VaultModel} from './model.js'

export type Operation =
  | 'SetSecret'
  | 'GetSecret'
  | 'GetSecretVersions'
  | 'GetSecrets'
  | 'UpdateSecret'
  | 'DeleteSecret'
  | 'GetDeletedSecret'
  | 'GetDeletedSecrets'
  | 'RecoverDeletedSecret'
  | 'PurgeDeletedSecret'

/** The RBAC data action each operation needs (Key Vault data-plane RBAC). */
export const dataActions: Record<Operation, string> = {
  SetSecret: 'Microsoft.KeyVault/vaults/secrets/setSecret/action',
  GetSecret: 'Microsoft.KeyVault/vaults/secrets/getSecret/action',
  GetSecretVersions: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  GetSecrets: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  UpdateSecret: 'Microsoft.KeyVault/vaults/secrets/update/action',
  DeleteSecret: 'Microsoft.KeyVault/vaults/secrets/delete',
  GetDeletedSecret: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  GetDeletedSecrets: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action',
  RecoverDeletedSecret: 'Microsoft.KeyVault/vaults/secrets/recover/action',
  PurgeDeletedSecret: 'Microsoft.KeyVault/vaults/secrets/purge/action',
}

export interface Route {
  operation: Operation
  name?: string
  version?: string
}

/** Maps method and path to an operation; undefined for anything Key Vault would not serve here. */
export function route(method: string, pathname: string): Route | undefined {
  const parts = pathname.split('/').slice(1)
  // `GET /secrets/{name}/` (the SDK's "latest") ends in an empty segment.
  if (parts.length > 1 && parts.at(-1) === '') parts.pop()
  const [collection, rawName, third] = parts
  const name = rawName === undefined ? undefined : decodeURIComponent(rawName)
  if (collection === 'secrets') {
    if (parts.length === 1 && method === 'GET') return {operation: 'GetSecrets'}
    if (parts.length === 2) {
      if (method === 'PUT') return {operation: 'SetSecret', name}
      if (method === 'GET') return {operation: 'GetSecret', name}
      if (method === 'PATCH') return {operation: 'UpdateSecret', name}
      if (method === 'DELETE') return {operation: 'DeleteSecret', name}
    }
    if (parts.length === 3 && third === 'versions' && method === 'GET') return {operation: 'GetSecretVersions', name}
    if (parts.length === 3 && /^[0-9a-f]{32}$/.test(third)) {
      if (method === 'GET') return {operation: 'GetSecret', name, version: third}
      if (method === 'PATCH') return {operation: 'UpdateSecret', name, version: third}
    }
  }
  if (collection === 'deletedsecrets') {
    if (parts.length === 1 && method === 'GET') return {operation: 'GetDeletedSecrets'}
    if (parts.length === 2 && method === 'GET') return {operation: 'GetDeletedSecret', name}
    if (parts.length === 2 && method === 'DELETE') return {operation: 'PurgeDeletedSecret', name}
    if (parts.length === 3 && third === 'recover' && method === 'POST') return {operation: 'RecoverDeletedSecret', name}
  }
  return undefined
}

export interface Reply {
  status: number
  body?: unknown
}

export interface RequestContext {
  vaultUrl: string
  url: URL
  body: Record<string, unknown>
}

const PAGE_MAX = 25

export function execute(model: VaultModel, r: Route, ctx: RequestContext): Reply {
  const ids = new Ids(ctx.vaultUrl)
  const name = r.name ?? ''
  switch (r.operation) {
    case 'SetSecret': {
      const {secret, version} = model.set(name, {
        value: ctx.body.value as string,
        ...(typeof ctx.body.contentType === 'string' ? {contentType: ctx.body.contentType} : {}),
        ...(ctx.body.attributes ? {attributes: ctx.body.attributes as AttributesInput} : {}),
        ...(ctx.body.tags ? {tags: ctx.body.tags as Record<string, string>} : {}),
      })
      return ok(ids.bundle(secret, version, true))
    }
    case 'GetSecret': {
      const {secret, version} = model.read(name, r.version)
      return ok(ids.bundle(secret, version, true))
    }
    case 'UpdateSecret': {
      const {secret, version} = model.update(name, r.version, {
        ...(typeof ctx.body.contentType === 'string' ? {contentType: ctx.body.contentType} : {}),
        ...(ctx.body.attributes ? {attributes: ctx.body.attributes as AttributesInput} : {}),
        ...(ctx.body.tags ? {tags: ctx.body.tags as Record<string, string>} : {}),
      })
      return ok(ids.bundle(secret, version, false))
    }
    case 'GetSecretVersions': {
      const {secret, versions} = model.versions(name)
      return ok(page(ctx, versions.map((v) => ids.item(secret, v, true))))
    }
    case 'GetSecrets':
      return ok(page(ctx, model.list().map((s) => ids.item(s, s.versions.at(-1)!, false))))
    case 'DeleteSecret':
      return ok(ids.deleted(model.delete(name)))
    case 'GetDeletedSecret':
      return ok(ids.deleted(model.getDeleted(name)))
    case 'GetDeletedSecrets':
      return ok(page(ctx, model.listDeleted().map((entry) => ({...ids.item(entry.secret, entry.secret.versions.at(-1)!, false), ...ids.deletion(entry)}))))
    case 'RecoverDeletedSecret': {
      const secret = model.recover(name)
      return ok(ids.bundle(secret, secret.versions.at(-1)!, false))
    }
    case 'PurgeDeletedSecret':
      model.purge(name)
      return {status: 204}
  }
}

const ok = (body: unknown): Reply => ({status: 200, body})

/** One page of a list, with `nextLink` carrying an opaque skip token like the service's. */
function page(ctx: RequestContext, items: unknown[]): {value: unknown[]; nextLink: string | null} {
  const requested = Number(ctx.url.searchParams.get('maxresults') ?? PAGE_MAX)
  if (!Number.isInteger(requested) || requested < 1 || requested > PAGE_MAX) {
    throw new KvFault(400, 'BadParameter', `maxresults must be an integer between 1 and ${PAGE_MAX}.`)
  }
  const token = ctx.url.searchParams.get('$skiptoken')
  const start = token ? Number(JSON.parse(Buffer.from(token, 'base64url').toString('utf8')).offset) : 0
  const value = items.slice(start, start + requested)
  if (start + requested >= items.length) return {value, nextLink: null}
  const next = new URL(ctx.url.pathname, ctx.vaultUrl)
  next.searchParams.set('api-version', ctx.url.searchParams.get('api-version') ?? '')
  next.searchParams.set('$skiptoken', Buffer.from(JSON.stringify({offset: start + requested})).toString('base64url'))
  next.searchParams.set('maxresults', String(requested))
  return {value, nextLink: next.toString()}
}

class Ids {
  constructor(private readonly vaultUrl: string) {}

  attributes(v: StoredVersion) {
    return {
      enabled: v.enabled,
      ...(v.nbf !== undefined ? {nbf: v.nbf} : {}),
      ...(v.exp !== undefined ? {exp: v.exp} : {}),
      created: v.created,
      updated: v.updated,
      recoveryLevel: RECOVERY_LEVEL,
      recoverableDays: RECOVERABLE_DAYS,
    }
  }

  bundle(s: StoredSecret, v: StoredVersion, withValue: boolean) {
    return {
      ...(withValue ? {value: v.value} : {}),
      id: `${this.vaultUrl}/secrets/${s.name}/${v.id}`,
      ...(v.contentType !== undefined ? {contentType: v.contentType} : {}),
      attributes: this.attributes(v),
      ...(Object.keys(v.tags).length > 0 ? {tags: {...v.tags}} : {}),
    }
  }

  /** A list entry: versions carry their id; secrets are named without one. */
  item(s: StoredSecret, v: StoredVersion, withVersion: boolean) {
    return {
      id: withVersion ? `${this.vaultUrl}/secrets/${s.name}/${v.id}` : `${this.vaultUrl}/secrets/${s.name}`,
      attributes: this.attributes(v),
      ...(Object.keys(v.tags).length > 0 ? {tags: {...v.tags}} : {}),
      ...(v.contentType !== undefined ? {contentType: v.contentType} : {}),
    }
  }

  deletion(entry: {secret: StoredSecret; deletedDate: number; scheduledPurgeDate: number}) {
    return {
      recoveryId: `${this.vaultUrl}/deletedsecrets/${entry.secret.name}`,
      deletedDate: entry.deletedDate,
      scheduledPurgeDate: entry.scheduledPurgeDate,
    }
  }

  deleted(entry: {secret: StoredSecret; deletedDate: number; scheduledPurgeDate: number}) {
    return {...this.bundle(entry.secret, entry.secret.versions.at(-1)!, false), ...this.deletion(entry)}
  }
}
