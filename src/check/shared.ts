/**
 * Environment isolation: one value used by two secrets (or by secrets of two environments).
 * Values are compared by HMAC-SHA256 under a key drawn for this run and then dropped, so no
 * digest that outlives the run could be matched against a guessed value. Digests are never
 * printed; findings name the secrets and versions only.
 */
import {createHmac, randomBytes} from 'node:crypto'
import type {KnownValue, ValueSite} from '../scan/values.js'
import type {Finding} from './types.js'

export function sharedValueFindings(values: KnownValue[]): Finding[] {
  const key = randomBytes(32)
  const groups = new Map<string, ValueSite[]>()
  for (const known of values) {
    const digest = createHmac('sha256', key).update(known.value.reveal()).digest('base64')
    // Only versions that are valid now count: a retired value cannot be used.
    const sites = known.sites.filter((s) => s.role !== 'retired')
    groups.set(digest, [...(groups.get(digest) ?? []), ...sites])
  }
  const findings: Finding[] = []
  for (const sites of groups.values()) {
    const secrets = [...new Set(sites.map((s) => s.secret))].sort()
    if (secrets.length < 2) continue
    const environments = [...new Set(sites.map((s) => s.environment ?? '(none)'))].sort()
    const crossEnv = environments.length > 1
    const places = sites.map((s) => `${s.secret} (${s.role} version ${s.versionId} in ${s.target})`).join(', ')
    findings.push({
      check: 'shared-value',
      severity: crossEnv ? 'error' : 'warning',
      secret: secrets[0],
      message: `${secrets.join(' and ')} hold the same value${crossEnv ? `, across environments ${environments.join(' and ')}` : ''}: ${places}`,
      hint: `rotate one of them so each has its own value: rotor rotate ${secrets[1]}`,
    })
  }
  return findings
}
