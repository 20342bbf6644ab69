import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, beforeAll, expect} from 'vitest'
import {ROOT, runCli, type CliResult} from '../../support/cli.js'

const TRACE = pathToFileURL(join(ROOT, 'test/support/load-trace.mjs')).href
const NO_FAST_PATH = pathToFileURL(join(ROOT, 'test/support/no-fast-path.mjs')).href
export const NOW = '2026-03-02T10:00:00.000Z'

export interface Run extends CliResult {
  /** Whether oclif was loaded, i.e. the fast path did not answer. */
  oclif: boolean
  /** The dist/cli modules loaded, relative to dist/cli. */
  modules: string[]
}

/**
 * The quick-start project, applied, for comparing a command's fast path (bin/run.js without
 * oclif) with oclif: `run` runs the built CLI one way, with a load trace; `both` runs it both ways
 * and expects the same stdout, stderr and exit code. `files` maps extra config files to the
 * quick-start config's text changed. Registers its own beforeAll/afterAll.
 */
export function fastPathProject(prefix: string, files: Record<string, (quickstart: string) => string> = {}) {
  const state = {dir: '', traces: 0}
  beforeAll(async () => {
    state.dir = mkdtempSync(join(tmpdir(), prefix))
    const quickstart = readFileSync(join(ROOT, 'examples/quickstart.yaml'), 'utf8')
    writeFileSync(join(state.dir, 'rotor.yaml'), quickstart)
    for (const [name, change] of Object.entries(files)) writeFileSync(join(state.dir, name), change(quickstart))
    const applied = await runCli(['apply', '--yes'], {cwd: state.dir, now: '2026-03-01T09:00:00.000Z'})
    expect(applied.code, applied.stderr).toBe(0)
  })
  afterAll(() => rmSync(state.dir, {recursive: true, force: true}))

  async function run(args: string[], options: {fast: boolean; env?: NodeJS.ProcessEnv}): Promise<Run> {
    const trace = join(state.dir, `trace-${state.traces++}.txt`)
    const preload = options.fast ? [TRACE] : [TRACE, NO_FAST_PATH]
    const result = await runCli(args, {cwd: state.dir, now: NOW, preload, env: {...options.env, ROTOR_TEST_LOAD_TRACE: trace}})
    const loaded = existsSync(trace) ? readFileSync(trace, 'utf8') : ''
    const modules = [...new Set(loaded.trim().split('\n'))].map((url) => url.slice(url.indexOf('/dist/cli/') + '/dist/cli/'.length))
    return {...result, oclif: modules.includes('oclif.js'), modules}
  }

  /** Runs ARGS both ways; both must print and exit alike. Returns the fast path's run. */
  async function both(args: string[], env?: NodeJS.ProcessEnv): Promise<Run> {
    const [fast, oclif] = await Promise.all([run(args, {fast: true, env}), run(args, {fast: false, env})])
    expect(oclif.oclif).toBe(true)
    expect({code: fast.code, stdout: fast.stdout, stderr: fast.stderr}, args.join(' ')).toEqual({code: oclif.code, stdout: oclif.stdout, stderr: oclif.stderr})
    return fast
  }

  return {
    get dir(): string {
      return state.dir
    },
    run,
    both,
  }
}
