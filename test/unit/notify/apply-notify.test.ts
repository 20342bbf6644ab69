import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {AuditLog} from '../../../src/audit/index.js'
import type {NotifyConfig, RotorConfig} from '../../../src/config/types.js'
import {StoreSet} from '../../../src/engine/stores.js'
import {applyChanges} from '../../../src/run/session.js'
import {DAY, secret} from '../plan/fixtures.js'
import {type Hook, startHook} from './webhook-server.js'

const T0 = new Date('2026-03-01T00:00:00Z')
const DUE = new Date('2026-03-31T00:00:00Z')

describe('notifications from a run', () => {
  let dir: string
  let hook: Hook
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-notify-'))
    hook = await startHook()
  })
  afterEach(async () => {
    await hook.close()
    await rm(dir, {recursive: true, force: true})
  })

  async function world(notify: NotifyConfig[]) {
    const s = secret({maxAgeMs: 30 * DAY, targets: [{store: 'mem', path: 'api'}]})
    const config: RotorConfig = {
      file: join(dir, 'rotor.yaml'),
      baseDir: dir,
      version: 1,
      audit: {path: join(dir, 'audit.log')},
      stores: {mem: {name: 'mem', type: 'memory', settings: {}}},
      secrets: [s],
      notify,
    }
    let now = T0
    const stores = new StoreSet(config, {baseDir: dir, env: {}, now: () => now})
    const warnings: string[] = []
    const apply = async (at: Date) => {
      now = at
      const audit = await AuditLog.open(config.audit.path, {now: () => at})
      try {
        return await applyChanges({config, secrets: config.secrets, stores, audit, now: () => at, lease: {settleMs: 0}, warn: (m) => warnings.push(m), env: {}})
      } finally {
        await audit.close()
      }
    }
    const auditLines = async () => (await import('node:fs/promises')).readFile(config.audit.path, 'utf8').then((t) => t.trim().split('\n').map((l) => JSON.parse(l)))
    return {apply, warnings, auditLines}
  }

  const hookConfig = (url: string, events: NotifyConfig['events']): NotifyConfig => ({
    url,
    events,
    format: 'json',
    signatureHeader: 'X-Rotor-Signature',
    upcomingWithinMs: 7 * DAY,
    timeoutMs: 2000,
  })

  it('announces the rotation, and a reminder before the next one, once', async () => {
    const w = await world([hookConfig(hook.url, ['rotated', 'upcoming'])])
    await w.apply(T0)
    expect(hook.received).toEqual([])
    const rotated = await w.apply(DUE)
    expect(rotated.report?.results).toEqual([expect.objectContaining({outcome: 'ok'})])
    expect(hook.received.map((r) => JSON.parse(r.body))).toEqual([expect.objectContaining({event: 'rotated', secret: 'api', reason: 'max-age'})])
    await w.apply(new Date('2026-04-25T00:00:00Z'))
    await w.apply(new Date('2026-04-26T00:00:00Z'))
    expect(hook.received.map((r) => JSON.parse(r.body))).toEqual([
      expect.objectContaining({event: 'rotated'}),
      expect.objectContaining({event: 'upcoming', secret: 'api', dueAt: '2026-04-30T00:00:00.000Z'}),
    ])
    expect(w.warnings).toEqual([])
  })

  it('never fails a rotation: a broken webhook is reported and audit-logged', async () => {
    const w = await world([hookConfig(hook.url, ['rotated'])])
    await w.apply(T0)
    hook.answers.push(500, 500, 500)
    const rotated = await w.apply(DUE)
    expect(rotated.report?.results).toEqual([expect.objectContaining({action: expect.objectContaining({kind: 'rotate'}), outcome: 'ok'})])
    expect(rotated.report?.failedSecrets).toEqual([])
    expect(w.warnings).toEqual([expect.stringContaining('notification "rotated" for api')])
    expect(await w.auditLines()).toContainEqual(expect.objectContaining({action: 'notify', outcome: 'failed', error: expect.stringContaining('500')}))
  })
})
