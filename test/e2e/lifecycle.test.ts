import {mkdtemp, readdir, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {fileFactory} from '../../providers/file/factory.js'
import type {RetiredValueReader} from '../../providers/types.js'
import {type CliResult, json, runCli} from '../support/cli.js'

// Monday 04:00 UTC: after the starter config's weekly tick (Mondays 03:00), so cron stays quiet.
const T0 = '2026-03-02T04:00:00Z'
const ROTATED_AT = '2026-03-02T05:00:00Z'
const DURING_GRACE = '2026-03-02T12:00:00Z'
const AFTER_GRACE = '2026-03-03T06:00:00Z'

describe('rotor end to end on the file store (built CLI)', () => {
  let dir: string
  const outputs: CliResult[] = []
  const cli = async (args: string[], now: string) => {
    const result = await runCli(args, {cwd: dir, now})
    outputs.push(result)
    return result
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-e2e-'))
  })
  afterAll(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  async function storedValues(): Promise<string[]> {
    // The key lives in the user's config directory (XDG_CONFIG_HOME is inside dir in e2e runs).
    const keys = join(dir, '.user-config/rotor/keys')
    const [keyName] = await readdir(keys)
    const key = (await readFile(join(keys, keyName), 'utf8')).trim()
    const store = await fileFactory.create('local', fileFactory.settings.parse({}), {baseDir: dir, env: {ROTOR_FILE_KEY: key}, now: () => new Date()})
    const values: string[] = []
    try {
      for (const path of await store.list('')) {
        for (const v of (await store.describe(path)).versions) {
          if (!v.destroyed) values.push((await (store as unknown as RetiredValueReader).readRetiredValue(path, v.id)).reveal())
        }
      }
    } finally {
      await store.close()
    }
    return values
  }

  it('init writes a starter config that validates', async () => {
    const init = await cli(['init'], T0)
    expect(init.code).toBe(0)
    expect(await readFile(join(dir, 'rotor.yaml'), 'utf8')).toContain('type: file')
    const validate = await cli(['config', 'validate', '--json'], T0)
    expect(validate.code).toBe(0)
    expect(json(validate)).toMatchObject({valid: true, secrets: ['example-api-key']})
  })

  it('apply creates the secret; a second apply has nothing to do', async () => {
    const first = await cli(['apply', '--yes', '--json'], T0)
    expect(first.code).toBe(0)
    expect(json(first)).toMatchObject({report: {results: [{action: {kind: 'create'}, outcome: 'ok'}], failedSecrets: []}})
    const again = await cli(['plan', '--detailed-exitcode', '--json'], T0)
    expect(again.code).toBe(0)
    expect(json(again)).toMatchObject({actions: []})
  })

  it('rotate promotes a new value and keeps the old one valid during grace', async () => {
    const rotate = await cli(['rotate', '--yes', 'example-api-key', '--json'], ROTATED_AT)
    expect(rotate.code).toBe(0)
    expect(json(rotate)).toMatchObject({report: {results: [{action: {kind: 'rotate', reason: 'manual'}, outcome: 'ok'}]}})
    const status = json<{secrets: Array<Record<string, unknown>>}>(await cli(['status', '--json'], DURING_GRACE))
    expect(status.secrets[0]).toMatchObject({
      name: 'example-api-key',
      health: 'in-grace',
      graceEndsAt: '2026-03-03T05:00:00.000Z',
      targets: [{health: 'ok', currentVersion: '2', previousVersion: '1'}],
    })
    const previous = await cli(['get', 'example-api-key', '--role', 'previous', '--json'], DURING_GRACE)
    expect(previous.code).toBe(0)
    expect(json(previous)).toMatchObject({versionId: '1', redacted: true})
    const plan = await cli(['plan', '--detailed-exitcode'], DURING_GRACE)
    expect(plan.code).toBe(0)
  })

  it('shows the retirement as pending once grace is over, then apply retires it', async () => {
    const plan = await cli(['plan', '--detailed-exitcode', '--json'], AFTER_GRACE)
    expect(plan.code).toBe(2)
    expect(json(plan)).toMatchObject({actions: [{kind: 'retire', versionId: '1', mode: 'disable'}]})
    const apply = await cli(['apply', '--yes', '--json'], AFTER_GRACE)
    expect(apply.code).toBe(0)
    const previous = await cli(['get', 'example-api-key', '--role', 'previous'], AFTER_GRACE)
    expect(previous.code).toBe(1)
    expect(previous.stderr).toMatch(/has no (readable )?previous version/)
    const status = json<{secrets: Array<Record<string, unknown>>}>(await cli(['status', '--json'], AFTER_GRACE))
    expect(status.secrets[0]).toMatchObject({health: 'ok', targets: [{currentVersion: '2'}]})
  })

  it('the audit log holds every change, chained, and verifies', async () => {
    const verify = await cli(['audit', 'verify', '--json'], AFTER_GRACE)
    expect(verify.code).toBe(0)
    expect(json(verify)).toMatchObject({ok: true, problems: []})
    const entries = (await readFile(join(dir, '.rotor/audit.log'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l))
    // Each change is an intent and then its outcome.
    expect(entries.filter((e) => e.outcome !== 'intent').map((e) => e.action)).toEqual(['create', 'stage', 'promote', 'retire'])
    expect(entries.filter((e) => e.outcome === 'intent').map((e) => e.action)).toEqual(['create', 'stage', 'promote', 'retire'])
  })

  it('no secret value appears in any output or in the audit log', async () => {
    const values = await storedValues()
    expect(values.length).toBeGreaterThanOrEqual(2)
    const audit = await readFile(join(dir, '.rotor/audit.log'), 'utf8')
    const everything = [...outputs.flatMap((o) => [o.stdout, o.stderr]), audit].join('\n')
    for (const value of values) expect(everything).not.toContain(value)
    // The check can fail: --reveal does print the current value.
    const revealed = await cli(['get', 'example-api-key', '--reveal'], AFTER_GRACE)
    expect(values).toContain(revealed.stdout.trim())
  })
})
