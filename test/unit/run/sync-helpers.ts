/**
 * Memory and file stores behind a counting StoreSet, plus ways to change them as another tool
 * would (a write without rotor's rotation id, a deleted secret, a removed ownership tag).
 */
import {mkdtemp} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileFactory} from '../../../providers/file/factory.js'
import {MemoryStoreClient} from '../../../providers/memory/client.js'
import {memoryCapabilities} from '../../../providers/memory/factory.js'
import type {StoreData} from '../../../providers/shared/versioned-model.js'
import type {StoreClient} from '../../../providers/types.js'
import type {AuditInput} from '../../../src/audit/index.js'
import type {RotorConfig, SecretConfig} from '../../../src/config/types.js'
import {execute} from '../../../src/engine/execute.js'
import {readInventory} from '../../../src/engine/inventory.js'
import type {StoreSet} from '../../../src/engine/stores.js'
import {plan} from '../../../src/plan/planner.js'
import type {PlanOptions} from '../../../src/plan/types.js'
import {DAY, secret} from '../plan/fixtures.js'

export const NOW = new Date('2026-03-01T00:00:00Z')

export interface World {
  stores: Record<string, StoreClient>
  set: StoreSet
  /** Calls per store and method, e.g. calls.one.readValue. */
  calls: Record<string, Record<string, number>>
  audit: AuditInput[]
  config: RotorConfig
}

/** `one` and `flat` are memory stores (flat cannot stage, like Vault), `disk` is a file store. */
export async function world(names: string[], overrides: Partial<SecretConfig> = {}): Promise<World> {
  const now = () => NOW
  const flat = new MemoryStoreClient('flat', now)
  Object.defineProperty(flat, 'capabilities', {value: {...memoryCapabilities, pendingStage: false}})
  const dir = await mkdtemp(join(tmpdir(), 'rotor-sync-'))
  const disk = await fileFactory.create('disk', fileFactory.settings.parse({}), {baseDir: dir, env: {}, now})
  const stores: Record<string, StoreClient> = {one: new MemoryStoreClient('one', now), flat, disk}
  const calls: Record<string, Record<string, number>> = {}
  const counted = (name: string, client: StoreClient): StoreClient =>
    new Proxy(client, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver)
        if (typeof value !== 'function') return value
        return (...args: unknown[]) => {
          calls[name] ??= {}
          calls[name][String(property)] = (calls[name][String(property)] ?? 0) + 1
          return (value as (...a: unknown[]) => unknown).apply(target, args)
        }
      },
    })
  const wrapped = Object.fromEntries(Object.entries(stores).map(([n, c]) => [n, counted(n, c)]))
  const set = {get: async (name: string) => wrapped[name]} as unknown as StoreSet
  const targets = (name: string) => [
    {store: 'one', path: `app/${name}`},
    {store: 'flat', path: `app/${name}`},
    {store: 'disk', path: `app/${name}`},
  ]
  const secrets = names.map((name) => secret({name, maxAgeMs: 30 * DAY, graceMs: DAY, targets: targets(name), ...overrides}))
  const config: RotorConfig = {
    file: join(dir, 'rotor.yaml'),
    baseDir: dir,
    version: 1,
    audit: {path: join(dir, '.rotor/audit.log')},
    stores: Object.fromEntries(Object.keys(stores).map((s) => [s, {name: s, type: 'memory', settings: {}}])),
    secrets,
  }
  return {stores, set, calls, audit: [], config}
}

export const auditSink = (w: World) => ({runId: 'test-run', append: async (entry: AuditInput) => (w.audit.push(entry), undefined as never)})

/** What `rotor apply` would do now (create, or a forced rotation). */
export async function applyNow(w: World, at = NOW, planOptions?: PlanOptions): Promise<void> {
  const inventory = await readInventory(w.config.secrets, w.set)
  const planned = plan(w.config, inventory, at, planOptions)
  const report = await execute(planned, {config: w.config, inventory, stores: w.set, audit: auditSink(w), now: () => at, planOptions, lease: {settleMs: 0}})
  const failed = report.results.filter((r) => r.outcome !== 'ok')
  if (failed.length > 0) throw new Error(`apply failed: ${JSON.stringify(failed)}`)
}

export const resetCalls = (w: World) => {
  for (const key of Object.keys(w.calls)) delete w.calls[key]
}

const memoryData = (client: StoreClient): StoreData => (client as unknown as {data: StoreData}).data

/** Another tool writes a new current value on a memory store: no rotation id, rotor's tags kept. */
export function foreignWrite(client: StoreClient, path: string, value: string): void {
  const secret = memoryData(client).secrets[path]
  for (const v of secret.versions) {
    if (v.role === 'previous') v.role = 'retired'
    if (v.role === 'current') v.role = 'previous'
  }
  secret.versions.push({id: String(secret.nextVersion++), createdAt: NOW.toISOString(), role: 'current', enabled: true, destroyed: false, value})
}

export function forget(client: StoreClient, path: string): void {
  delete memoryData(client).secrets[path]
}

export function disown(client: StoreClient, path: string): void {
  delete memoryData(client).secrets[path].labels['managed-by']
}

/** An enabled version left without a role, as two quick rotations by another tool would leave. */
export function addStray(client: StoreClient, path: string, value: string): void {
  const secret = memoryData(client).secrets[path]
  secret.versions.unshift({id: String(secret.nextVersion++), createdAt: '2026-01-01T00:00:00.000Z', role: 'retired', enabled: true, destroyed: false, value})
}
