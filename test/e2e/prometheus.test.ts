import {spawnSync} from 'node:child_process'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ROOT, json, runCli} from '../support/cli.js'
import {escapeLabelValue, prometheusMetrics} from '../../src/output/prometheus.js'

const T0 = '2026-03-02T04:00:00Z'
const DUE = '2026-04-02T05:00:00Z'
const LATER = '2026-04-02T06:00:00Z'

const STORES = `version: 1
audit: {path: .rotor/audit.log, keyFile: audit.key}
stores:
  local: {type: file, keyFile: file.key}
  broken: {type: file, path: broken.enc, keyFile: file.key}
secrets:
  api:
    maxAge: 30d
    grace: 24h
    targets: [local:app/api, local:copy/api]
  flaky:
    maxAge: 30d
    grace: 24h
    targets: [local:app/flaky]
    verify:
      command: {command: [${JSON.stringify(process.execPath)}, -e, "process.exit(process.env.ROTOR_TEST_VERIFY === 'pass' ? 0 : 3)"], env: FLAKY_KEY, passEnv: [ROTOR_TEST_VERIFY]}
      retries: 0
`

/** promtool, or undefined (with a loud message) when this machine has none. */
function promtool(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v promtool'], {encoding: 'utf8'})
  if (found.status === 0) return found.stdout.trim()
  console.warn('SKIPPED promtool checks: promtool is not installed (apt-get install -y prometheus provides it)')
  return undefined
}

function samples(text: string, name: string): Array<{labels: string; value: number}> {
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .map((l) => {
      const at = l.lastIndexOf(' ')
      return {labels: l.slice(name.length, at), value: Number(l.slice(at + 1))}
    })
}

describe('rotor status --format prometheus (built CLI)', () => {
  let dir: string
  let metrics: string
  let exitCode: number
  const cli = (args: string[], now: string, env: NodeJS.ProcessEnv = {}) => runCli(args, {cwd: dir, now, env})

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-prometheus-'))
    await writeFile(join(dir, 'rotor.yaml'), STORES)
    const created = await cli(['apply', '--yes'], T0, {ROTOR_TEST_VERIFY: 'pass'})
    expect(created.code, created.stderr).toBe(0)
    // A month later: api rotates (grace window begins), flaky's verify refuses its new value.
    const rotated = await cli(['apply', '--yes'], DUE)
    expect(rotated.code).not.toBe(0)
    // A target rotor cannot read: a store file that is not one.
    await writeFile(join(dir, 'broken.enc'), 'not a rotor store\n')
    await writeFile(join(dir, 'status.yaml'), `${STORES}  ghost:\n    maxAge: 30d\n    targets: [broken:ghost]\n`)
    const status = await cli(['status', '--format', 'prometheus', '--config', 'status.yaml'], LATER)
    metrics = status.stdout
    exitCode = status.code
  })
  afterAll(() => rm(dir, {recursive: true, force: true}))

  it('passes promtool check metrics', async (context) => {
    const tool = promtool()
    if (!tool) return context.skip()
    const check = spawnSync(tool, ['check', 'metrics'], {input: metrics, encoding: 'utf8'})
    expect(check.status, `${check.stdout}${check.stderr}\n${metrics}`).toBe(0)
    expect(`${check.stdout}${check.stderr}`.trim()).toBe('')
  })

  it('reports age, next rotation, grace end, readability and overdue per secret and target', () => {
    for (const name of ['rotor_secret_age_seconds', 'rotor_secret_next_rotation_timestamp_seconds', 'rotor_secret_grace_end_timestamp_seconds', 'rotor_target_up', 'rotor_secret_overdue']) {
      expect(metrics).toContain(`# HELP ${name} `)
      expect(metrics).toContain(`# TYPE ${name} gauge`)
    }
    expect(samples(metrics, 'rotor_secret_age_seconds')).toContainEqual({labels: '{secret="api",target="local:app/api"}', value: 3600})
    expect(samples(metrics, 'rotor_secret_grace_end_timestamp_seconds')).toContainEqual({
      labels: '{secret="api",target="local:copy/api"}',
      value: Date.parse('2026-04-03T05:00:00Z') / 1000,
    })
    expect(samples(metrics, 'rotor_secret_next_rotation_timestamp_seconds')).toContainEqual({labels: '{secret="api"}', value: Date.parse('2026-05-02T05:00:00Z') / 1000})
    expect(samples(metrics, 'rotor_secret_overdue')).toEqual(
      expect.arrayContaining([
        {labels: '{secret="api"}', value: 0},
        {labels: '{secret="flaky"}', value: 1},
      ]),
    )
    const up = samples(metrics, 'rotor_target_up')
    expect(up).toContainEqual({labels: '{secret="ghost",target="broken:ghost"}', value: 0})
    expect(up).toContainEqual({labels: '{secret="api",target="local:app/api"}', value: 1})
    // Some targets unread: the metrics are printed and the exit code still says so.
    expect(exitCode).toBe(3)
  })

  it('escapes label values as the exposition format requires', async (context) => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd')
    const text = prometheusMetrics(
      [{name: 'x', health: 'ok', targets: [{target: 'vault:we"ird\\path\nx', health: 'ok', currentSince: T0}], next: []}],
      new Date(LATER),
      undefined,
    )
    expect(text).toContain('rotor_target_up{secret="x",target="vault:we\\"ird\\\\path\\nx"} 1')
    const tool = promtool()
    if (!tool) return context.skip()
    const check = spawnSync(tool, ['check', 'metrics'], {input: text, encoding: 'utf8'})
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0)
  })

  it('reports the last run from the audit log', async () => {
    const [{value: at}] = samples(metrics, 'rotor_last_run_timestamp_seconds')
    expect(at).toBe(Date.parse(DUE) / 1000)
    expect(samples(metrics, 'rotor_last_run_success')).toEqual([{labels: '', value: 0}])
    // A later run that succeeds flips it.
    const fixed = await cli(['apply', '--yes'], LATER, {ROTOR_TEST_VERIFY: 'pass'})
    expect(fixed.code, fixed.stderr).toBe(0)
    const after = (await cli(['status', '--format', 'prometheus'], LATER)).stdout
    expect(samples(after, 'rotor_last_run_success')).toEqual([{labels: '', value: 1}])
  })

  it('validates the alert rules in docs/monitoring.md with promtool check rules', async (context) => {
    const doc = await readFile(join(ROOT, 'docs/monitoring.md'), 'utf8')
    const rules = /```yaml\n(groups:[\s\S]*?)```/.exec(doc)?.[1]
    expect(rules).toContain('rotor_secret_overdue')
    expect(rules).toContain('rotor_last_run_success')
    const tool = promtool()
    if (!tool) return context.skip()
    const file = join(dir, 'rules.yml')
    await writeFile(file, rules!)
    const check = spawnSync(tool, ['check', 'rules', file], {encoding: 'utf8'})
    expect(check.status, `${check.stdout}${check.stderr}`).toBe(0)
    expect(check.stdout).toMatch(/SUCCESS: \d+ rules found/)
  })

  // After the previous test's run: flaky rotated at LATER, api a little earlier.
  it('lists rotations and grace ends of the next 7 days in time order', async () => {
    const result = await cli(['status', '--upcoming', '7d', '--json'], LATER)
    const {upcoming} = json<{upcoming: Array<{at: string; secret: string; event: string}>}>(result)
    expect(upcoming.map((e) => [e.secret, e.event, e.at])).toEqual([
      ['api', 'grace-end', '2026-04-03T05:00:00.000Z'],
      ['flaky', 'grace-end', '2026-04-03T06:00:00.000Z'],
    ])
    const soon = json<{upcoming: Array<{at: string; secret: string; event: string}>}>(await cli(['status', '--upcoming', '31d', '--json'], LATER))
    expect(soon.upcoming.map((e) => `${e.secret} ${e.event}`)).toEqual(['api grace-end', 'flaky grace-end', 'api rotation', 'flaky rotation'])
    const times = soon.upcoming.map((e) => Date.parse(e.at))
    expect([...times].sort((a, b) => a - b)).toEqual(times)
    const text = await cli(['status', '--upcoming', '7d'], LATER)
    expect(text.stdout).toMatch(/2026-04-03T05:00:00\.000Z\s+in 23h\s+api\s+grace ends/)
    const bad = await cli(['status', '--upcoming', 'soon'], LATER)
    expect(bad.code).toBe(64)
    expect(bad.stderr).toContain('--upcoming')
  })
})
