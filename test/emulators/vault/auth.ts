/**
 * Tokens, ACL policies and the AppRole and Kubernetes login methods of the emulator, after
 * developer.hashicorp.com/vault/api-docs/auth/token (lookup-self, renew-self),
 * /auth/approle and /auth/kubernetes, and /vault/docs/concepts/policies. Simplifications:
 * tokens are valid in every namespace; the Kubernetes method accepts the JWTs registered for
 * a role instead of calling TokenReview; policy priority is "exact path, else the longest
 * glob", with `+` for one segment and a trailing `*` for any suffix; `deny` wins.
 */
import {randomBytes} from 'node:crypto'
import {data, envelope, errors, type Reply} from './reply.js'

export type Capability = 'create' | 'read' | 'update' | 'patch' | 'delete' | 'list' | 'sudo' | 'deny'

export interface PolicyRule {
  path: string
  capabilities: Capability[]
}

export interface TokenSpec {
  id?: string
  policies?: string[]
  /** Seconds; 0 means the token never expires (like root). */
  ttl?: number
  renewable?: boolean
  /** Seconds from issue after which renewals stop extending the token; 0 = no cap. */
  maxTtl?: number
  displayName?: string
}

export interface TokenRecord {
  id: string
  accessor: string
  policies: string[]
  creationTtl: number
  issueTime: Date
  expireTime: Date | null
  maxExpireTime: Date | null
  renewable: boolean
  displayName: string
  renewals: number
}

interface LoginRole {
  token: TokenSpec
  metadata: Record<string, string>
}

export class AuthState {
  readonly tokens = new Map<string, TokenRecord>()
  readonly policies = new Map<string, PolicyRule[]>()
  /** mount -> role_id -> role. */
  readonly approle = new Map<string, Map<string, LoginRole & {secretIds: Set<string>}>>()
  /** mount -> role -> role. */
  readonly kubernetes = new Map<string, Map<string, LoginRole & {jwts: Set<string>}>>()

  constructor(private readonly now: () => Date) {}

  addPolicy(name: string, rules: PolicyRule[]): void {
    this.policies.set(name, rules)
  }

  createToken(spec: TokenSpec = {}): TokenRecord {
    const issueTime = this.now()
    const ttl = spec.ttl ?? 0
    const record: TokenRecord = {
      id: spec.id ?? `hvs.${randomBytes(12).toString('hex')}`,
      accessor: randomBytes(8).toString('hex'),
      policies: spec.policies ?? ['default'],
      creationTtl: ttl,
      issueTime,
      expireTime: ttl > 0 ? new Date(issueTime.getTime() + ttl * 1000) : null,
      maxExpireTime: spec.maxTtl ? new Date(issueTime.getTime() + spec.maxTtl * 1000) : null,
      renewable: spec.renewable ?? ttl > 0,
      displayName: spec.displayName ?? 'token',
      renewals: 0,
    }
    this.tokens.set(record.id, record)
    return record
  }

  addAppRole(options: {roleId: string; secretId: string; roleName?: string; mount?: string; token: TokenSpec}): void {
    const roles = this.approle.get(options.mount ?? 'approle') ?? new Map()
    const role = roles.get(options.roleId) ?? {token: options.token, metadata: {role_name: options.roleName ?? 'rotor'}, secretIds: new Set()}
    role.secretIds.add(options.secretId)
    roles.set(options.roleId, role)
    this.approle.set(options.mount ?? 'approle', roles)
  }

  addKubernetesRole(options: {role: string; jwt: string; mount?: string; token: TokenSpec}): void {
    const roles = this.kubernetes.get(options.mount ?? 'kubernetes') ?? new Map()
    const role = roles.get(options.role) ?? {token: options.token, metadata: {role: options.role}, jwts: new Set()}
    role.jwts.add(options.jwt)
    roles.set(options.role, role)
    this.kubernetes.set(options.mount ?? 'kubernetes', roles)
  }

  /** The live token for an id, or undefined when unknown or expired. */
  resolve(id: string | undefined): TokenRecord | undefined {
    if (!id) return undefined
    const token = this.tokens.get(id)
    if (!token) return undefined
    if (token.expireTime && token.expireTime.getTime() <= this.now().getTime()) return undefined
    return token
  }

  /** The capabilities a token has on an ACL path (no leading slash, namespace-relative). */
  capabilities(token: TokenRecord, path: string): string[] {
    if (token.policies.includes('root')) return ['root']
    let best: {rule: PolicyRule; score: number}[] = []
    for (const name of token.policies) {
      for (const rule of this.policies.get(name) ?? defaultPolicy(name)) {
        const score = matchScore(rule.path, path)
        if (score < 0) continue
        if (best.length === 0 || score > best[0].score) best = [{rule, score}]
        else if (score === best[0].score) best.push({rule, score})
      }
    }
    const caps = new Set(best.flatMap((b) => b.rule.capabilities))
    if (caps.has('deny')) return ['deny']
    return caps.size === 0 ? ['deny'] : [...caps].sort()
  }

  allowed(token: TokenRecord, path: string, capability: Capability): boolean {
    const caps = this.capabilities(token, path)
    return caps.includes('root') || caps.includes(capability)
  }

  /** Whether the token may do anything under a mount: what sys/internal/ui/mounts requires. */
  hasMountAccess(token: TokenRecord, mountPath: string): boolean {
    if (token.policies.includes('root')) return true
    return token.policies.some((name) =>
      (this.policies.get(name) ?? []).some((rule) => rule.path.startsWith(mountPath) && !rule.capabilities.includes('deny')),
    )
  }

  lookupSelf(token: TokenRecord): Reply {
    const now = this.now()
    const ttl = token.expireTime ? Math.max(0, Math.floor((token.expireTime.getTime() - now.getTime()) / 1000)) : 0
    return data({
      accessor: token.accessor,
      creation_time: Math.floor(token.issueTime.getTime() / 1000),
      creation_ttl: token.creationTtl,
      display_name: token.displayName,
      entity_id: '',
      expire_time: token.expireTime ? token.expireTime.toISOString() : null,
      explicit_max_ttl: 0,
      id: token.id,
      issue_time: token.issueTime.toISOString(),
      meta: null,
      num_uses: 0,
      orphan: true,
      path: token.policies.includes('root') ? 'auth/token/root' : 'auth/token/create',
      policies: token.policies,
      renewable: token.renewable,
      ttl,
      type: 'service',
    })
  }

  renewSelf(token: TokenRecord, body: Record<string, unknown>): Reply {
    if (!token.renewable || !token.expireTime) return errors(400, ['lease is not renewable'])
    const increment = body.increment === undefined ? token.creationTtl : parseSeconds(body.increment)
    const now = this.now()
    let expire = new Date(now.getTime() + increment * 1000)
    if (token.maxExpireTime && expire > token.maxExpireTime) expire = token.maxExpireTime
    token.expireTime = expire
    token.renewals++
    return this.authReply(token, {}, Math.floor((expire.getTime() - now.getTime()) / 1000))
  }

  approleLogin(mount: string, body: Record<string, unknown>): Reply {
    const role = this.approle.get(mount)?.get(String(body.role_id ?? ''))
    if (!role) return errors(400, ['invalid role ID'])
    if (!role.secretIds.has(String(body.secret_id ?? ''))) return errors(400, ['invalid secret id'])
    return this.login(role)
  }

  kubernetesLogin(mount: string, body: Record<string, unknown>): Reply {
    if (!body.role) return errors(400, ['missing role'])
    if (!body.jwt) return errors(400, ['missing jwt'])
    const role = this.kubernetes.get(mount)?.get(String(body.role))
    if (!role) return errors(400, [`invalid role name "${String(body.role)}"`])
    if (!role.jwts.has(String(body.jwt))) return invalidJwt()
    return this.login(role)
  }

  private login(role: LoginRole): Reply {
    const token = this.createToken({...role.token, id: undefined})
    return this.authReply(token, role.metadata, token.creationTtl)
  }

  private authReply(token: TokenRecord, metadata: Record<string, string>, leaseDuration: number): Reply {
    return {
      status: 200,
      body: envelope({
        auth: {
          client_token: token.id,
          accessor: token.accessor,
          policies: token.policies,
          token_policies: token.policies,
          metadata,
          lease_duration: leaseDuration,
          renewable: token.renewable,
          entity_id: '',
          token_type: 'service',
          orphan: true,
        },
      }),
    }
  }
}

const invalidJwt = (): Reply => errors(403, ['permission denied'])

/** Everything a token needs for itself, as Vault's built-in `default` policy grants. */
function defaultPolicy(name: string): PolicyRule[] {
  if (name !== 'default') return []
  return [
    {path: 'auth/token/lookup-self', capabilities: ['read']},
    {path: 'auth/token/renew-self', capabilities: ['update']},
    {path: 'sys/capabilities-self', capabilities: ['update']},
  ]
}

/** -1 when the pattern does not match; otherwise higher is more specific. */
export function matchScore(pattern: string, path: string): number {
  const glob = pattern.endsWith('*')
  const body = glob ? pattern.slice(0, -1) : pattern
  const patternParts = body.split('/')
  const pathParts = path.split('/')
  if (!glob && patternParts.length !== pathParts.length) return -1
  if (glob && pathParts.length < patternParts.length) return -1
  for (let i = 0; i < patternParts.length; i++) {
    const p = patternParts[i]
    const last = i === patternParts.length - 1
    if (p === '+') continue
    if (last && glob) {
      if (!pathParts.slice(i).join('/').startsWith(p)) return -1
    } else if (p !== pathParts[i]) return -1
  }
  return glob ? body.length : 100_000 + body.length
}

function parseSeconds(raw: unknown): number {
  if (typeof raw === 'number') return raw
  const match = /^(\d+)([smh]?)$/.exec(String(raw))
  if (!match) return 0
  return Number(match[1]) * ({'': 1, s: 1, m: 60, h: 3600}[match[2]] ?? 1)
}
