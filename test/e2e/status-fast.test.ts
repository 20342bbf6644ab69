import {mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT, type CliResult} from '../support/cli.js'
import {fastPathProject, NOW} from './support/fast-path.js'

/**
 * `rotor status --json` runs without oclif when its command line is plain (bin/run.js,
 * src/cli/status-fast.ts). Each case runs the built CLI twice, once as users run it and once with
 * the fast path turned off (test/support/no-fast-path.mjs), and expects the same stdout, stderr
 * and exit code; the load trace tells which path ran. Needs `npm run build`.
 */
const project = fastPathProject('rotor-status-fast-', {
  // A schedule field that is not a cron expression: a config error with file, line and key.
  'bad.yaml': (text) => text.replace('cron: "0 3 * * 1"', 'cron: "every monday"'),
  // A store whose file is missing: nothing can be read (exit 1), reported in the document.
  'lost.yaml': (text) => text.replace('path: .rotor/secrets.enc', 'path: .rotor/lost.enc'),
  // One secret on a store whose file is missing, though the audit log knows it: blocked.
  'mixed.yaml': (text) =>
    text
      .replace('stores:\n', 'stores:\n  lost:\n    type: file\n    path: .rotor/lost.enc\n')
      .replace('- local:webhooks/signing-key', '- lost:webhooks/signing-key'),
})
const {run, both} = project

describe('status --json without oclif', () => {
  it('prints the same document as the command on the quick-start', async () => {
    const fast = await both(['status', '--json'])
    expect(fast.oclif, 'the fast path answered').toBe(false)
    expect(fast.code, fast.stderr).toBe(0)
    const doc = JSON.parse(fast.stdout) as {schemaVersion: number; at: string; secrets: Array<{name: string; nextRotationAt?: string}>; warnings: string[]}
    expect(doc.schemaVersion).toBe(1)
    expect(doc.at).toBe(NOW)
    expect(doc.secrets.map((s) => s.name)).toEqual(['payments-api', 'webhook-signing', 'staging-session-secret'])
    // Mondays 03:00 Berlin (CET, UTC+1) after the apply on Sunday 2026-03-01.
    expect(doc.secrets[0].nextRotationAt).toBe('2026-03-02T02:00:00.000Z')
    expect(doc.warnings).toEqual([])
  })

  it('takes the same flags in every form it accepts', async () => {
    for (const args of [
      ['status', '--select', 'payments-api', '--json', '-q'],
      ['status', '--json', '-s', 'env:staging', '--select=webhook-*'],
      ['status', '--json', '--upcoming', '60d', '--format', 'table'],
      ['status', '--json', '--shard=1/2', '--config', 'rotor.yaml'],
      ['status', '-c', 'rotor.yaml', '--json', '--quiet'],
    ]) {
      const fast = await both(args)
      expect(fast.oclif, args.join(' ')).toBe(false)
      expect(fast.code, fast.stderr).toBe(0)
    }
  })

  it('fails alike: a bad config, a missing one, a bad flag value, a refused switch', async () => {
    const cases: Array<{args: string[]; env?: NodeJS.ProcessEnv; code: number; error: string}> = [
      {args: ['status', '--json', '--config', 'bad.yaml'], code: 65, error: 'CONFIG_INVALID'},
      {args: ['status', '--json', '-c', 'missing.yaml'], code: 65, error: 'CONFIG_INVALID'},
      {args: ['status', '--json', '--format', 'prometheus'], code: 64, error: 'USAGE'},
      {args: ['status', '--json', '--upcoming', 'soon'], code: 64, error: 'USAGE'},
      {args: ['status', '--json', '--shard', '3/2'], code: 64, error: 'USAGE'},
      {args: ['status', '--json'], env: {NODE_DEBUG: 'rotor-none'}, code: 64, error: 'USAGE'},
    ]
    for (const {args, env, code, error} of cases) {
      const fast = await both(args, env)
      expect(fast.oclif, args.join(' ')).toBe(false)
      expect(fast.code, `${args.join(' ')}: ${fast.stdout}`).toBe(code)
      expect((JSON.parse(fast.stdout) as {error: {code: string}}).error.code).toBe(error)
    }
  })

  it('reports unreadable targets and switched-off debug switches alike', async () => {
    const lost = await both(['status', '--json', '--config', 'lost.yaml'])
    expect(lost.oclif).toBe(false)
    expect(lost.code).toBe(1)
    expect(JSON.parse(lost.stdout)).toHaveProperty('unreadable')
    const warned = await both(['status', '--json'], {GRPC_TRACE: 'all'})
    expect(warned.oclif).toBe(false)
    expect(warned.stderr).toContain('Warning: GRPC_TRACE is ignored')
    expect((JSON.parse(warned.stdout) as {warnings: string[]}).warnings).toHaveLength(1)
  })

  it('writes the rows as it makes them, with `blocked` and `upcoming` after them complete', async () => {
    // The fast path writes each row as the planner plans its secret (a JsonList); oclif's path
    // holds every row first. Same document: rows, blockers, upcoming events, all in their order.
    for (const args of [
      ['status', '--json', '--config', 'mixed.yaml', '--upcoming', '60d'],
      ['status', '--json', '--config', 'mixed.yaml'],
      ['status', '--json', '--upcoming', '60d'],
    ]) {
      const fast = await both(args)
      expect(fast.oclif, args.join(' ')).toBe(false)
      const doc = JSON.parse(fast.stdout) as {
        secrets: Array<{name: string; health: string; next: string[]}>
        blocked: Array<{secret: string}>
        upcoming?: Array<{secret: string; at: string}>
      }
      expect(doc.secrets.map((s) => s.name), args.join(' ')).toEqual(['payments-api', 'webhook-signing', 'staging-session-secret'])
      // payments-api is due (Mondays 03:00 Berlin): the next run rotates it.
      expect(doc.secrets[0].next.length, args.join(' ')).toBeGreaterThan(0)
      expect(fast.code, fast.stderr).toBe(0)
      if (args.includes('mixed.yaml')) {
        expect(doc.blocked.map((b) => b.secret)).toEqual(['webhook-signing'])
        expect(doc.secrets[1].health).toBe('missing')
      } else {
        expect(doc.blocked).toEqual([])
      }
      if (args.includes('--upcoming')) {
        const at = doc.upcoming!.map((e) => Date.parse(e.at))
        expect(at.length).toBeGreaterThan(1)
        expect([...at].sort((a, b) => a - b)).toEqual(at)
        expect(Object.keys(doc).slice(0, 5)).toEqual(['schemaVersion', 'at', 'secrets', 'blocked', 'upcoming'])
      } else {
        expect(doc).not.toHaveProperty('upcoming')
      }
    }
  })

  it('leaves to oclif what it does not parse itself, with the same result', async () => {
    for (const args of [
      ['status', '--json', '--nope'],
      ['status', '--json', 'extra'],
      ['status', '--json', '--format', 'xml'],
      ['status', '--json', '--config'],
      ['status', '--json', '--json'],
      ['status', '--json', '--help'],
      ['status', '--json', '--', '--select'],
    ]) {
      const fast = await run(args, {fast: true})
      expect(fast.oclif, args.join(' ')).toBe(true)
    }
    const unknown = await run(['status', '--json', '--nope'], {fast: true})
    expect(unknown.code).toBe(64)
    expect((JSON.parse(unknown.stdout) as {error: {code: string}}).error.code).toBe('USAGE')
  })

  it('leaves to oclif a user colour theme, user plugins and debug output', async () => {
    const userConfig = join(project.dir, '.user-config', 'rotor')
    mkdirSync(userConfig, {recursive: true})
    writeFileSync(join(userConfig, 'theme.json'), '{}\n')
    try {
      expect((await run(['status', '--json'], {fast: true})).oclif).toBe(true)
    } finally {
      rmSync(join(userConfig, 'theme.json'))
    }
    const data = join(project.dir, 'data')
    mkdirSync(join(data, 'rotor'), {recursive: true})
    writeFileSync(join(data, 'rotor', 'package.json'), '{"oclif": {"plugins": []}}\n')
    expect((await run(['status', '--json'], {fast: true, env: {XDG_DATA_HOME: data}})).oclif).toBe(true)
    expect((await run(['status', '--json'], {fast: true, env: {DEBUG: 'rotor'}})).oclif).toBe(true)
  })

  it('answers due times from the tick cache in the user folder once a status has computed them', async () => {
    const file = join(project.dir, '.user-config', 'rotor', 'cache', 'cron-ticks.json')
    rmSync(file, {force: true})
    const first = await run(['status', '--json'], {fast: true})
    expect(first.code, first.stderr).toBe(0)
    const cache = JSON.parse(readFileSync(file, 'utf8')) as {schedules: Record<string, Array<{from: number; ticks: number[]}>>}
    const berlin = cache.schedules['Europe/Berlin\u00000 3 * * 1']
    expect(berlin[0].ticks[0]).toBe(Date.parse('2026-03-02T02:00:00.000Z'))
    // A planted tick shows the next run reads the file instead of asking cron-parser.
    berlin[0].ticks = [berlin[0].from + 60_000]
    writeFileSync(file, JSON.stringify(cache))
    const planted = await run(['status', '--json'], {fast: true})
    const nextOf = (r: CliResult) => (JSON.parse(r.stdout) as {secrets: Array<{nextRotationAt?: string}>}).secrets[0].nextRotationAt
    expect(nextOf(planted)).toBe(new Date(berlin[0].from + 60_000).toISOString())
    rmSync(file)
    expect(nextOf(await run(['status', '--json'], {fast: true}))).toBe(nextOf(first))
  })

  it("keeps the fast path's assumptions about package.json: no theme, no hook that runs for status", () => {
    const pjson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {oclif: {theme?: unknown; hooks?: Record<string, string>}}
    expect(pjson.oclif.theme).toBeUndefined()
    // init, prerun and preparse hooks would run before status: the fast path would skip them.
    // postrun runs ./dist/cli/hooks/completion.js, which does nothing for status.
    expect(Object.keys(pjson.oclif.hooks ?? {}).sort()).toEqual(['command_not_found', 'postrun'])
  })
})
