/**
 * The issuer side of `rotor doctor` and `rotor policy`: one entry per issuer, its bindings (the
 * secrets that name it). The issuer registry loads only when the config has issuers.
 */
import type {RotorConfig, SecretConfig} from '../config/types.js'
import type {StoreSet} from '../engine/stores.js'
import type {DoctorCheck, PolicyDocument} from '../../providers/types.js'

export interface IssuerDoctor {
  issuer: string
  type: string
  secret: string
  checks: DoctorCheck[]
}

/** IssuerClient.doctor for every binding of every issuer (one per secret that names it). */
export async function issuerDoctor(config: RotorConfig, stores: StoreSet, secrets: SecretConfig[] = config.secrets): Promise<IssuerDoctor[]> {
  const out: IssuerDoctor[] = []
  for (const secret of secrets) {
    if (!secret.issuer) continue
    const type = config.issuers?.[secret.issuer.name]?.type ?? 'unknown'
    let checks: DoctorCheck[]
    try {
      checks = await (await stores.issuer(secret)).doctor()
    } catch (error) {
      checks = [{check: `connect to issuer ${secret.issuer.name}`, ok: false, detail: (error as Error).message, ...((error as {hint?: string}).hint ? {hint: (error as {hint?: string}).hint} : {})}]
    }
    out.push({issuer: secret.issuer.name, type, secret: secret.name, checks})
  }
  return out
}

export interface IssuerPolicy {
  issuer: string
  type: string
  policy?: PolicyDocument
  detail?: string
}

/** factory.policy for every issuer the selected secrets name (pure: no issuer is contacted). */
export async function issuerPolicies(config: RotorConfig, secrets: SecretConfig[], only?: string): Promise<IssuerPolicy[]> {
  const names = [...new Set(secrets.flatMap((s) => (s.issuer ? [s.issuer.name] : [])))].filter((n) => only === undefined || n === only)
  if (names.length === 0) return []
  const {getIssuerFactory, isIssuerKind} = await import('../../providers/issuers/registry.js')
  return names.map((name) => {
    const issuer = config.issuers![name]
    if (!isIssuerKind(issuer.type)) return {issuer: name, type: issuer.type, detail: `unknown issuer type "${issuer.type}"`}
    const factory = getIssuerFactory(issuer.type)
    const bindings = secrets.flatMap((s) => (s.issuer?.name === name ? [{secret: s.name, binding: s.issuer.binding}] : []))
    if (!factory.policy) return {issuer: name, type: issuer.type, detail: `the ${issuer.type} issuer needs no permissions rotor can describe`}
    return {issuer: name, type: issuer.type, policy: factory.policy({issuerName: name, settings: issuer.settings, bindings})}
  })
}
