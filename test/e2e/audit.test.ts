import {createHash, createHmac} from 'node:crypto'
import {cp, mkdir, mkdtemp, readFile, rm, stat, symlink, unlink, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {type CliResult, json, runCli} from '../support/cli.js'

// Monday 04:00 UTC: after the starter config's weekly tick, so only what a test asks for happens.
const T0 = '2026-03-02T04:00:00Z'
const ROTATED_AT = '2026-03-02T05:00:00Z'
const LATER = '2026-03-02T06:00:00Z'
// After the starter config's grace window: a rotation runs instead of being blocked.
const AFTER_GRACE = '2026-03-03T06:00:00Z'

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex')
const lines = async (path: string) => (await readFile(path, 'utf8')).split('\n').slice(0, -1)

interface VerifyJson {
  ok: boolean
  entries: number
  keyed: number
  lastSeq?: number
  head?: string
  problems: Array<{line: number; message: string}>
  anchors: Array<{source: string; seq: number; ok: boolean; problem?: string}>
}

describe('a trustworthy audit log (built CLI, file store)', () => {
  const dirs: string[] = []
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, {recursive: true, force: true})))
  })

  /** A project with the starter secret created and rotated once: its log is keyed and anchored. */
  async function project(reason?: string): Promise<{dir: string; log: string; cli: (args: string[], now?: string) => Promise<CliResult>}> {
    const dir = await mkdtemp(join(tmpdir(), 'rotor-audit-e2e-'))
    dirs.push(dir)
    const cli = (args: string[], now = LATER) => runCli(args, {cwd: dir, now})
    expect((await cli(['init'], T0)).code).toBe(0)
    const apply = await cli(['apply', '--yes'], T0)
    expect(apply.code, apply.stderr).toBe(0)
    expect(apply.stderr).toMatch(/Created audit key .*audit-keys.* for .*audit\.log/)
    const rotate = await cli(['rotate', 'example-api-key', '--yes', ...(reason ? ['--reason', reason] : [])], ROTATED_AT)
    expect(rotate.code, rotate.stderr).toBe(0)
    return {dir, log: join(dir, '.rotor/audit.log'), cli}
  }

  const verify = async (cli: (args: string[]) => Promise<CliResult>, ...extra: string[]) => {
    const result = await cli(['audit', 'verify', '--json', ...extra])
    return {code: result.code, body: json<VerifyJson>(result), stderr: result.stderr}
  }

  it('records intent before every change and its outcome after, keyed and anchored; verify passes', async () => {
    const {log, cli} = await project()
    const entries = (await lines(log)).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(entries.every((e) => typeof e.mac === 'string' && (e.mac as string).startsWith('hmac-sha256:'))).toBe(true)
    const intents = entries.filter((e) => e.outcome === 'intent')
    expect(intents.map((e) => e.action)).toEqual(['create', 'stage', 'promote'])
    for (const intent of intents) {
      const outcome = entries.find((e) => e.intent === intent.seq)
      expect(outcome, `outcome of intent ${intent.seq}`).toMatchObject({outcome: 'ok', action: intent.action, rotationId: intent.rotationId})
      expect(outcome!.seq as number).toBeGreaterThan(intent.seq as number)
    }
    const {code, body} = await verify(cli)
    expect(code).toBe(0)
    expect(body).toMatchObject({ok: true, entries: entries.length, keyed: entries.length, problems: []})
    expect(body.anchors).toEqual([expect.objectContaining({seq: entries.length, ok: true})])

    const show = await cli(['audit', 'show', '--secret', 'example-api-key', '--json'])
    expect(show.code).toBe(0)
    expect(json<{entries: unknown[]}>(show).entries).toHaveLength(entries.length)
    const since = await cli(['audit', 'show', '--since', ROTATED_AT, '--json'])
    expect(json<{entries: Array<{action: string}>}>(since).entries.map((e) => e.action)).toEqual(['stage', 'stage', 'promote', 'promote'])
  })

  it('an anchor that cannot be read is not a pass (exit 3, named); --no-anchors checks the chain alone', async () => {
    const {dir, cli} = await project()
    // The wrong store key: the primary's metadata cannot be read, so its anchor is a check not made.
    const wrongKey = {ROTOR_FILE_KEY: Buffer.alloc(32, 7).toString('base64')}
    const result = await runCli(['audit', 'verify'], {cwd: dir, now: LATER, env: wrongKey})
    expect(result.code, result.stdout + result.stderr).toBe(3)
    expect(result.stderr).toMatch(/could not read the anchor of example-api-key/)
    expect(result.stderr).toContain('--no-anchors')
    const chainOnly = await runCli(['audit', 'verify', '--no-anchors'], {cwd: dir, now: LATER, env: wrongKey})
    expect(chainOnly.code, chainOnly.stderr).toBe(0)
    expect((await verify(cli)).code).toBe(0)
  })

  it('finds a chain rebuilt without the key: HMACs fail and the anchor no longer matches', async () => {
    const {log, cli} = await project()
    // An attacker who can write the log's folder edits entry 3 and rebuilds every hash and a MAC
    // under a key of their own.
    const forged: string[] = []
    let prev = '0'.repeat(64)
    for (const line of await lines(log)) {
      const {mac: _mac, ...entry} = JSON.parse(line) as Record<string, unknown>
      if (entry.seq === 3) entry.reason = 'schedule'
      const body = JSON.stringify({...entry, prev})
      const text = JSON.stringify({...JSON.parse(body), mac: `hmac-sha256:${createHmac('sha256', 'x'.repeat(32)).update(body).digest('hex')}`})
      forged.push(text)
      prev = sha256(text)
    }
    await writeFile(log, forged.map((l) => `${l}\n`).join(''))
    const {code, body} = await verify(cli)
    expect(code).toBe(1)
    expect(body.problems.map((p) => p.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/HMAC does not verify/), expect.stringMatching(/chain was rebuilt or the log replaced/)]),
    )
  })

  it('finds a deleted log, and the next run refuses to start a fresh one', async () => {
    const {log, cli} = await project()
    await unlink(log)
    const rotate = await cli(['rotate', 'example-api-key', '--yes'], AFTER_GRACE)
    expect(rotate.code).not.toBe(0)
    expect(rotate.stderr).toMatch(/audit log is missing or empty, but example-api-key .* records entry \d+.*deleted or emptied/)
    expect((await stat(log).catch(() => undefined))?.size ?? 0).toBe(0)
    const {code, body} = await verify(cli)
    expect(code).toBe(1)
    expect(body.problems.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringMatching(/deleted or emptied/)]))
    // The store was not rotated again.
    const status = json<{secrets: Array<{current?: {version?: string}}>}>(await cli(['status', '--json']))
    expect(JSON.stringify(status)).not.toMatch(/"3"/)
  })

  it('finds an emptied log', async () => {
    const {log, cli} = await project()
    await writeFile(log, '')
    const {code, body} = await verify(cli)
    expect(code).toBe(1)
    expect(body.problems.map((p) => p.message)).toEqual([expect.stringMatching(/missing or empty.*deleted or emptied/)])
    const apply = await cli(['rotate', 'example-api-key', '--yes'], AFTER_GRACE)
    expect(apply.code).not.toBe(0)
    expect(await readFile(log, 'utf8')).toBe('')
  })

  it('finds a cut tail', async () => {
    const {log, cli} = await project()
    const all = await lines(log)
    await writeFile(log, all.slice(0, -2).map((l) => `${l}\n`).join(''))
    const {code, body} = await verify(cli)
    expect(code).toBe(1)
    expect(body.problems.map((p) => p.message)).toEqual([expect.stringMatching(new RegExp(`ends at entry ${all.length - 2}, but .* records entry ${all.length}.*tail was cut`))])
    const rotate = await cli(['rotate', 'example-api-key', '--yes'], AFTER_GRACE)
    expect(rotate.code).not.toBe(0)
    expect(rotate.stderr).toMatch(/tail was cut/)
  })

  it('finds a fresh log put in place of a used one', async () => {
    const a = await project()
    const b = await project()
    // b's log is just as long and chains correctly, but it is not the history a's stores anchor.
    await cp(b.log, a.log)
    const {code, body} = await verify(a.cli)
    expect(code).toBe(1)
    expect(body.problems.map((p) => p.message)).toEqual(expect.arrayContaining([expect.stringMatching(/chain was rebuilt or the log replaced/)]))
  })

  it('--expect-head SEQ:HASH: passes for the head, fails once that entry is gone, rejects a malformed value', async () => {
    const {log, cli} = await project()
    const all = await lines(log)
    const head = `${all.length}:${sha256(all.at(-1)!)}`
    expect((await verify(cli, '--expect-head', head)).code).toBe(0)
    await writeFile(log, `${all.slice(0, -1).join('\n')}\n`)
    const cut = await verify(cli, '--expect-head', head, '--no-anchors')
    expect(cut.code).toBe(1)
    expect(cut.body.problems.map((p) => p.message)).toEqual([expect.stringMatching(/--expect-head records entry .* tail was cut/)])
    const bad = await cli(['audit', 'verify', '--expect-head', 'latest'])
    expect(bad.code).toBe(64)
    expect(bad.stderr).toMatch(/--expect-head must be SEQ:HASH/)
  })

  it('redacts URL credentials in --reason before they reach the log', async () => {
    const {log} = await project('see https://bob:hunter2@tickets.example.com/T-1')
    const text = await readFile(log, 'utf8')
    expect(text).not.toContain('hunter2')
    expect(text).not.toContain('bob:')
    expect(text).toContain('https://[redacted]@tickets.example.com/T-1')
  })

  it('a failed append fails the run, and nothing is changed without its record', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rotor-audit-e2e-'))
    dirs.push(dir)
    const cli = (args: string[]) => runCli(args, {cwd: dir, now: T0})
    expect((await cli(['init'])).code).toBe(0)
    // Every write to the log fails with ENOSPC; opening and reading it still work.
    await mkdir(join(dir, '.rotor'), {recursive: true})
    await symlink('/dev/full', join(dir, '.rotor/audit.log'))
    const apply = await cli(['apply', '--yes'])
    expect(apply.code).toBe(1)
    expect(apply.stderr).toMatch(/cannot append to audit log .*audit\.log: ENOSPC/)
    const status = json<{secrets: Array<{state?: string; health?: string}>}>(await cli(['status', '--json']))
    expect(JSON.stringify(status.secrets[0])).toMatch(/missing/)
  })
})
