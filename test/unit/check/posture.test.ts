import {describe, expect, it} from 'vitest'
import {postureFindings} from '../../../src/check/posture.js'
import {sharedValueFindings} from '../../../src/check/shared.js'
import type {SecretConfig} from '../../../src/config/types.js'
import {DEFAULT_POLICY} from '../../../src/keys/types.js'
import type {Inventory} from '../../../src/plan/types.js'
import {type SecretSnapshot, SecretValue, type VersionInfo} from '../../../providers/types.js'

const NOW = new Date('2026-06-01T00:00:00Z')
const DAY = 86_400_000
const options = {now: NOW, minEntropyBits: 300, unusedDays: 30}

const secret = (name: string, extra: Partial<SecretConfig> = {}): SecretConfig => ({
  name,
  generator: {...DEFAULT_POLICY, checksum: 'crc32', prefix: 'rk_'},
  schedule: {cron: '0 3 * * 1', timezone: 'UTC'},
  maxAgeMs: 30 * DAY,
  graceMs: DAY,
  retire: 'disable',
  labels: {},
  adopt: false,
  targets: [{store: 's', path: name}],
  ...extra,
})

const version = (id: string, role: VersionInfo['role'], ageDays: number, extra: Partial<VersionInfo> = {}): VersionInfo => ({
  id,
  role,
  createdAt: new Date(NOW.getTime() - ageDays * DAY),
  enabled: true,
  destroyed: false,
  rotationId: `rot-${id}`,
  ...extra,
})

function inventory(entries: Record<string, Partial<SecretSnapshot>>): Inventory {
  return new Map(
    Object.entries(entries).map(([name, snap]) => [
      name,
      [{target: {store: 's', path: name}, snapshot: {path: name, exists: true, owned: true, versions: [], meta: {}, labels: {}, ...snap}}],
    ]),
  )
}

const checksOf = (findings: Array<{check: string; secret?: string}>, name: string) => findings.filter((f) => f.secret === name).map((f) => f.check).sort()

describe('rotor check: posture', () => {
  it('a healthy secret has no findings except the entropy threshold it was asked about', () => {
    const findings = postureFindings([secret('ok')], inventory({ok: {versions: [version('2', 'current', 1), version('1', 'previous', 2)]}}), {...options, minEntropyBits: 128})
    expect(findings).toEqual([])
  })

  it('reports age, foreign versions, extra valid versions, no schedule, weak policy and disuse', () => {
    const secrets = [secret('old'), secret('foreign'), secret('crowded'), secret('adhoc', {schedule: undefined, generator: {...DEFAULT_POLICY}}), secret('idle')]
    const inv = inventory({
      old: {versions: [version('1', 'current', 45)]},
      foreign: {versions: [version('1', 'current', 1, {rotationId: undefined})]},
      crowded: {
        versions: [version('3', 'current', 1), version('2', 'previous', 3), version('1', 'retired', 5)],
        meta: {graceEndsAt: new Date(NOW.getTime() - DAY).toISOString()},
      },
      adhoc: {versions: [version('1', 'current', 1)]},
      idle: {versions: [version('1', 'current', 1)], lastAccessedAt: new Date(NOW.getTime() - 40 * DAY)},
    })
    const findings = postureFindings(secrets, inv, options)
    expect(checksOf(findings, 'old')).toEqual(['max-age', 'weak-policy'])
    expect(checksOf(findings, 'foreign')).toEqual(['foreign-version', 'weak-policy'])
    expect(checksOf(findings, 'crowded')).toEqual(['extra-versions', 'extra-versions', 'weak-policy'])
    expect(checksOf(findings, 'adhoc')).toEqual(['no-checksum', 'no-schedule', 'weak-policy'])
    expect(findings.find((f) => f.check === 'no-schedule')?.severity).toBe('info')
    // Past maxAge breaks the policy: an error, so the default `--fail-on error` fails the gate.
    expect(findings.find((f) => f.check === 'max-age')?.severity).toBe('error')
    expect(checksOf(findings, 'idle')).toEqual(['unused', 'weak-policy'])
  })

  it('a store that cannot be read is an error finding', () => {
    const inv: Inventory = new Map([['x', [{target: {store: 's', path: 'x'}, error: {code: 'AUTH', message: 'denied'}}]]])
    expect(postureFindings([secret('x')], inv, {...options, minEntropyBits: 128})).toMatchObject([{check: 'unreadable', severity: 'error'}])
  })
})

describe('rotor check: shared values', () => {
  const site = (secretName: string, environment: string, role: VersionInfo['role'] = 'current') => ({
    secret: secretName,
    environment,
    target: `s:${secretName}`,
    versionId: '1',
    role,
    createdAt: NOW,
  })

  it('flags one value in two environments as an error and never prints it', () => {
    const value = new SecretValue('shared-value-123')
    const findings = sharedValueFindings([{value, sites: [site('a', 'production'), site('b', 'staging')]}])
    expect(findings).toMatchObject([{check: 'shared-value', severity: 'error'}])
    expect(JSON.stringify(findings)).not.toContain(value.reveal())
  })

  it('same environment is a warning; a value shared only with a retired version is not a finding', () => {
    expect(sharedValueFindings([{value: new SecretValue('v-one-1'), sites: [site('a', 'prod'), site('b', 'prod')]}])).toMatchObject([{severity: 'warning'}])
    expect(sharedValueFindings([{value: new SecretValue('v-two-2'), sites: [site('a', 'prod'), site('b', 'prod', 'retired')]}])).toEqual([])
  })
})
