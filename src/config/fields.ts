/**
 * The fields of a secret's value, for `template` and an `env` map: a secret bound to an issuer
 * (`issuer: {name}`) has its kind's fields (postgres `username`, `password`); any other secret has
 * one field, `value`. Every placeholder and every mapped field must be one of them, so a typo is
 * a config error rather than an empty variable at run time.
 */
import {isIssuerKind, issuerRegistry} from '../../providers/issuers/registry.js'
import {templateProblems} from '../exec/template.js'
import {PLAIN_FIELD, TEMPLATE_FIELD} from './field-names.js'
import type {PathProblem} from './problems.js'
import type {SecretConfig} from './types.js'

export {PLAIN_FIELD, TEMPLATE_FIELD} from './field-names.js'

const isMap = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value)

/**
 * The issuer kind's fields when the secret names an issuer whose `type` is known; `unknown` when
 * it names one that cannot be resolved (that problem is reported where issuers are checked).
 */
function issuerFields(rawSecret: Record<string, unknown>, rawIssuers: Record<string, unknown>): readonly string[] | 'unknown' | undefined {
  if (rawSecret.issuer === undefined) return undefined
  const name = isMap(rawSecret.issuer) ? rawSecret.issuer.name : undefined
  const issuer = typeof name === 'string' ? rawIssuers[name] : undefined
  const kind = isMap(issuer) ? issuer.type : undefined
  return typeof kind === 'string' && isIssuerKind(kind) ? issuerRegistry[kind].fields : 'unknown'
}

/** Sets `secret.fields` from its issuer and returns the problems of its `template` and `env` map. */
export function withValueFields(secret: SecretConfig, rawSecret: Record<string, unknown>, rawIssuers: Record<string, unknown>): PathProblem[] {
  const structured = issuerFields(rawSecret, rawIssuers)
  if (structured === 'unknown') return []
  if (structured) secret.fields = [...structured]
  const fields = structured ?? [PLAIN_FIELD]
  const base = ['secrets', secret.name]
  const problems: PathProblem[] = []
  if (secret.template !== undefined) {
    for (const message of templateProblems(secret.template, fields)) problems.push({path: [...base, 'template'], message})
  }
  for (const [variable, field] of Object.entries(secret.envFields ?? {})) {
    if (field === TEMPLATE_FIELD && secret.template === undefined) {
      problems.push({path: [...base, 'env', variable], message: `${variable}: template: this secret has no \`template:\` to render`})
    } else if (field !== TEMPLATE_FIELD && !fields.includes(field)) {
      const choices = [...fields, ...(secret.template !== undefined ? [TEMPLATE_FIELD] : [])].join(', ')
      problems.push({path: [...base, 'env', variable], message: `${variable}: "${field}" is not a field of this secret's value; choose one of ${choices}`})
    }
  }
  return problems
}
