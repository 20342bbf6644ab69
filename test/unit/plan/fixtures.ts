import type {RotorConfig, SecretConfig, TargetRef} from '../../../src/config/types.js'
import {DEFAULT_POLICY} from '../../../src/keys/types.js'
import type {Inventory} from '../../../src/plan/types.js'
import type {RotorMeta, SecretSnapshot, VersionInfo} from '../../../providers/types.js'

export const HOUR = 3_600_000
export const DAY = 24 * HOUR

export function secret(overrides: Partial<SecretConfig> = {}): SecretConfig {
  return {
    name: 'api',
    generator: DEFAULT_POLICY,
    graceMs: DAY,
    retire: 'disable',
    labels: {},
    adopt: false,
    targets: [{store: 'local', path: 'api'}],
    ...overrides,
  }
}

export function config(...secrets: SecretConfig[]): RotorConfig {
  return {
    file: '/x/rotor.yaml',
    baseDir: '/x',
    version: 1,
    audit: {path: '/x/.rotor/audit.log'},
    stores: {local: {name: 'local', type: 'memory', settings: {}}, other: {name: 'other', type: 'memory', settings: {}}},
    secrets,
  }
}

export function version(id: string, role: VersionInfo['role'], createdAt: string, extra: Partial<VersionInfo> = {}): VersionInfo {
  return {id, role, createdAt: new Date(createdAt), enabled: true, destroyed: false, rotationId: `rot-${id}`, ...extra}
}

export function snapshot(path: string, versions: VersionInfo[], meta: RotorMeta = {}, owned = true): SecretSnapshot {
  return {path, exists: true, owned, versions, meta, labels: owned ? {'managed-by': 'rotor'} : {}}
}

export const missing = (path: string): SecretSnapshot => ({path, exists: false, owned: false, versions: [], meta: {}, labels: {}})

/** Snapshot of a secret rotated at `promotedAt` with a recorded promotion and grace end. */
export function promoted(path: string, promotedAt: string, graceMs: number, previous = true): SecretSnapshot {
  const versions = [version('2', 'current', promotedAt)]
  if (previous) versions.push(version('1', 'previous', '2026-01-01T00:00:00Z'))
  return snapshot(path, versions, {
    promotedVersion: '2',
    promotedAt,
    graceEndsAt: new Date(new Date(promotedAt).getTime() + graceMs).toISOString(),
  })
}

export function inventory(entries: Array<[SecretConfig, Array<SecretSnapshot | Error>]>): Inventory {
  return new Map(
    entries.map(([s, snaps]) => [
      s.name,
      snaps.map((snap, i) => {
        const target: TargetRef = s.targets[i]
        return snap instanceof Error ? {target, error: {code: 'UNAVAILABLE', message: snap.message}} : {target, snapshot: snap}
      }),
    ]),
  )
}
