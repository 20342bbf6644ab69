/**
 * The JSON contract (issue 15, item 6): every command's `--json` document carries schemaVersion
 * and matches the JSON Schema in docs/json/ that `npm run schemas` writes from the command's
 * declared result type. Through the built CLI on the embedded file store: every command runs with
 * --json (its main branches: dry runs and real runs, a revealed value, a leak found, drift fixed,
 * a lost primary restored), and each real document is validated against its schema; failures are
 * validated against docs/json/error.schema.json. The checked-in schemas must be what the types
 * give now (stale ones fail with the command and the way to regenerate).
 */
import {execFileSync, spawnSync} from 'node:child_process'
import {readdirSync, readFileSync} from 'node:fs'
import {mkdir, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {Ajv, type ValidateFunction} from 'ajv'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {SCHEMA_VERSION} from '../../src/cli/json.js'
import {type CliResult, json, ROOT, runCli} from '../support/cli.js'

const SCHEMA_DIR = join(ROOT, 'docs/json')
const schemaFile = (id: string) => `${id.replaceAll(':', '-')}.schema.json`

// Monday 04:00 UTC, after the weekly tick: nothing is due but what the test asks for.
const T0 = '2026-03-02T04:00:00Z'
const ROTATED = '2026-03-02T05:00:00Z'
const ROLLED_BACK = '2026-03-02T06:00:00Z'
const LATER = '2026-03-02T07:00:00Z'

const secret = (targets: string[]) => `    generator: {length: 40, alphabet: base62, prefix: rk_, checksum: crc32}
    schedule: {cron: "0 3 * * 1", timezone: UTC}
    maxAge: 30d
    grace: 24h
    retire: disable
    environment: development
    targets: [${targets.join(', ')}]
`

/** Two file stores; db-password gains a second target later (drift for diff and sync). */
const config = (dbTargets: string[]) => `version: 1
audit:
  path: .rotor/audit.log
stores:
  local:
    type: file
    path: .rotor/a.enc
  backup:
    type: file
    path: .rotor/b.enc
secrets:
  api-key:
${secret(['local:app/api-key', 'backup:app/api-key'])}  db-password:
${secret(dbTargets)}`

interface Run {
  args: string[]
  result: CliResult
  document: Record<string, unknown>
}

/** The command id (`audit:verify`) of an argv, from the commands the built CLI has. */
function commandId(args: string[], ids: string[]): string {
  const words = args.filter((a) => !a.startsWith('-'))
  const two = words.slice(0, 2).join(':')
  return ids.includes(two) ? two : words[0]
}

describe('the JSON contract (built CLI)', () => {
  let dir: string
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
  const ids = Object.keys(manifest.commands).sort()
  const successes = new Map<string, Run[]>()
  const failures: Array<Run & {id: string}> = []

  /** Runs a command with --json; its document is kept for validation, by command. */
  async function cli(args: string[], now: string, expected: number | number[] = 0): Promise<Run> {
    // Before `--`: what follows it is the child's argv (exec).
    const end = args.includes('--') ? args.indexOf('--') : args.length
    const result = await runCli([...args.slice(0, end), '--json', ...args.slice(end)], {cwd: dir, now})
    const codes = Array.isArray(expected) ? expected : [expected]
    expect(codes, `rotor ${args.join(' ')} --json exited ${result.code}:\n${result.stdout}\n${result.stderr}`).toContain(result.code)
    const run = {args, result, document: json(result)}
    const id = commandId(args, ids)
    if ('error' in run.document) failures.push({...run, id})
    else successes.set(id, [...(successes.get(id) ?? []), run])
    return run
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-json-contract-'))
    await writeFile(join(dir, 'rotor.yaml'), config(['local:app/db-password']))
    await mkdir(join(dir, 'init'))

    // Nothing in any store yet.
    await cli(['init', '--config', 'init/rotor.yaml'], T0)
    await cli(['init', '--config', 'init/aws.yaml', '--store', 'aws'], T0)
    await cli(['config', 'validate'], T0)
    await cli(['config', 'schema'], T0)
    await cli(['version'], T0)
    await cli(['generate'], T0)
    await cli(['policy'], T0)
    await cli(['policy', '--read-only'], T0)
    await cli(['plan'], T0)
    await cli(['apply', '--dry-run'], T0)
    await cli(['apply'], T0, 64)

    await cli(['apply', '--yes'], T0)
    await cli(['doctor'], T0)
    await cli(['status'], T0)
    await cli(['status', '--upcoming', '30d'], T0)
    await cli(['get', 'api-key'], T0)
    const revealed = await cli(['get', 'api-key', '--reveal'], T0)
    await cli(['export', '--reveal', '--select', 'api-key'], T0)
    await cli(['export', '--output', 'out.env'], T0)
    await cli(['exec', '--select', 'api-key', '--', process.execPath, '-e', ''], T0)
    await cli(['check'], T0, [0, 6])

    await cli(['rotate', 'api-key', '--dry-run'], ROTATED)
    await cli(['rotate', 'api-key', '--yes'], ROTATED)
    await cli(['rollback', 'api-key', '--dry-run'], ROLLED_BACK)
    await cli(['rollback', 'api-key', '--yes'], ROLLED_BACK)

    await cli(['copy', '--from', 'local:app/api-key', '--to', 'backup:copied/api-key', '--dry-run'], LATER)
    await cli(['copy', '--from', 'local:app/api-key', '--to', 'backup:copied/api-key', '--yes'], LATER)
    await cli(['import', '--store', 'backup'], LATER)

    // db-password gets a second target: drift that sync fixes.
    await writeFile(join(dir, 'rotor.yaml'), config(['local:app/db-password', 'backup:app/db-password']))
    await cli(['diff'], LATER)
    await cli(['sync', '--dry-run'], LATER)
    await cli(['sync', '--yes'], LATER)
    await cli(['diff', '--detailed-exitcode'], LATER)

    // A leaked value (exit 4), and the pre-commit hook.
    await writeFile(join(dir, 'leak.txt'), `API_KEY=${String(revealed.document.value)}\n`)
    await cli(['scan', 'leak.txt'], LATER, 4)
    execFileSync('git', ['init', '-q'], {cwd: dir})
    await cli(['scan', '--install-hook'], LATER)

    await cli(['schedule'], LATER)
    await cli(['schedule', '--format', 'systemd'], LATER)
    await cli(['audit', 'show'], LATER)
    await cli(['audit', 'verify'], LATER)

    // The primary's file is lost: restore brings the value back from the backup.
    await rm(join(dir, '.rotor/a.enc'))
    await cli(['restore', 'api-key', '--dry-run'], LATER)
    await cli(['restore', 'api-key', '--yes'], LATER)
    await cli(['store', 'rotate-key', 'local', '--yes'], LATER)
    await cli(['store', 'accept-rollback', 'local', '--yes'], LATER)

    // Failures: each is the error document.
    await cli(['nosuch'], LATER, 64)
    await cli(['get', 'no-such-secret'], LATER, 64)
    await writeFile(join(dir, 'bad.yaml'), 'version: 1\nstores: {}\nsecrets:\n  x: {targets: [nowhere:x]}\n')
    await cli(['config', 'validate', '--config', 'bad.yaml'], LATER, 65)
  }, 600_000)

  afterAll(async () => {
    if (dir) await rm(dir, {recursive: true, force: true})
  })

  const ajv = new Ajv({allErrors: true})
  const validators = new Map<string, ValidateFunction>()
  const validator = (file: string): ValidateFunction => {
    let validate = validators.get(file)
    if (!validate) {
      validate = ajv.compile(JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as object)
      validators.set(file, validate)
    }
    return validate
  }
  const problems = (validate: ValidateFunction) => ajv.errorsText(validate.errors, {separator: '\n'})

  it('ran every command of the CLI with --json, and every document carries schemaVersion and warnings', () => {
    expect([...successes.keys()].sort(), 'a command without a run here: add one to this test (its schema is checked only through a run)').toEqual(ids)
    for (const run of [...[...successes.values()].flat(), ...failures]) {
      expect(run.document.schemaVersion, `rotor ${run.args.join(' ')}`).toBe(SCHEMA_VERSION)
      expect(Array.isArray(run.document.warnings), `rotor ${run.args.join(' ')}`).toBe(true)
    }
    expect(SCHEMA_VERSION).toBe(1)
  })

  it("validates every command's real output against its schema in docs/json/", () => {
    const invalid: string[] = []
    for (const id of ids) {
      const validate = validator(schemaFile(id))
      for (const run of successes.get(id) ?? []) {
        if (!validate(run.document)) invalid.push(`rotor ${run.args.join(' ')} --json does not match docs/json/${schemaFile(id)}:\n${problems(validate)}`)
      }
    }
    expect(invalid).toEqual([])
  })

  it('validates the error documents against docs/json/error.schema.json', () => {
    expect(failures.map((f) => f.id)).toEqual(['apply', 'nosuch', 'get', 'config:validate'])
    const validate = validator('error.schema.json')
    for (const failure of failures) {
      expect(validate(failure.document), `rotor ${failure.args.join(' ')} --json:\n${problems(validate)}`).toBe(true)
      expect((failure.document.error as {exitCode: number}).exitCode).toBe(failure.result.code)
    }
  })

  it('the schemas are exact: a document without schemaVersion, or with a field the type does not declare, fails', () => {
    for (const id of ids.filter((i) => i !== 'config:schema')) {
      const validate = validator(schemaFile(id))
      const [run] = successes.get(id) ?? []
      const {schemaVersion: _, ...unversioned} = run.document
      expect(validate(unversioned), `${id} without schemaVersion`).toBe(false)
      expect(validate({...run.document, undeclared: 1}), `${id} with an undeclared field`).toBe(false)
      expect(validate({...run.document, schemaVersion: SCHEMA_VERSION + 1}), `${id} with another schemaVersion`).toBe(false)
    }
    const errors = validator('error.schema.json')
    expect(errors({...failures[0].document, error: {...(failures[0].document.error as object), exitCode: 'x'}})).toBe(false)
  })

  it('checks a document of each kind in detail, so the runs above did what they say', () => {
    const [dryRun, applied] = successes.get('apply')!
    expect(dryRun.document).toMatchObject({dryRun: true, plan: {actions: [{kind: 'create'}, {kind: 'create'}]}})
    expect(applied.document).toMatchObject({dryRun: false, report: {failedSecrets: []}})
    const [, revealed] = successes.get('get')!
    expect(revealed.document.value).toMatch(/^rk_/)
    expect(successes.get('scan')![0].document).toMatchObject({leaks: [{file: 'leak.txt', secret: 'api-key'}]})
    expect(successes.get('diff')![0].document).toMatchObject({drift: true})
    expect(successes.get('diff')![1].document).toMatchObject({drift: false})
    expect(successes.get('restore')![1].document).toMatchObject({dryRun: false, report: {results: [{action: {kind: 'restore'}, outcome: 'ok'}]}})
    expect(successes.get('import')![0].document).toMatchObject({candidates: [{target: 'backup:copied/api-key'}]})
  })
})

describe('docs/json/ (npm run schemas)', () => {
  it('holds exactly the schemas the commands\' result types give now', () => {
    const check = spawnSync(process.execPath, [join(ROOT, 'scripts/schemas.js'), '--check'], {cwd: ROOT, encoding: 'utf8'})
    // The message names each stale command and says how to regenerate.
    expect(check.status, check.stderr).toBe(0)
  }, 300_000)

  it('README.md there links every schema', () => {
    const readme = readFileSync(join(SCHEMA_DIR, 'README.md'), 'utf8')
    const unlinked = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json') && !readme.includes(`](${f})`))
    expect(unlinked, 'add a row to docs/json/README.md').toEqual([])
  })

  it('names the stale command and the way to regenerate when a schema differs', async () => {
    const {stale} = (await import(pathToFileURL(join(ROOT, 'scripts/schemas.js')).href)) as {stale: (schemas: Record<string, string>) => string[]}
    const files = readdirSync(SCHEMA_DIR).filter((f) => f.endsWith('.schema.json'))
    const current = Object.fromEntries(files.map((f) => [f, readFileSync(join(SCHEMA_DIR, f), 'utf8')]))
    expect(stale(current)).toEqual([])
    const changed = {...current, 'status.schema.json': current['status.schema.json'].replace('"at"', '"when"'), 'new-command.schema.json': '{}\n'}
    delete (changed as Record<string, string>)['plan.schema.json']
    expect(stale(changed)).toEqual([
      'docs/json/status.schema.json is stale: the result type of rotor status (StatusResult in commands/status.ts) changed',
      'docs/json/new-command.schema.json is missing (rotor new command)',
      'docs/json/plan.schema.json belongs to no command any more',
    ])
  })
})
