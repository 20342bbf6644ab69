import {spawn, type ChildProcess} from 'node:child_process'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))
const FAKE_CLOCK = new URL('./fake-clock.mjs', import.meta.url).href

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export interface CliOptions {
  cwd: string
  /** Time the CLI sees (through the test-only clock hook). */
  now?: string
  env?: NodeJS.ProcessEnv
  /** Extra modules to preload (fault hooks). */
  preload?: string[]
}

/**
 * Starts the built CLI as an operator or cron would: a separate process, no TTY, its user
 * directory inside the test's folder. For tests that must signal the process; most use runCli.
 */
export function spawnCli(args: string[], options: CliOptions & {stdio?: 'ignore' | 'pipe'}): ChildProcess {
  const preload = [FAKE_CLOCK, ...(options.preload ?? [])].map((m) => `--import=${m}`).join(' ')
  const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1'}
  delete env.ROTOR_CONFIG
  delete env.ROTOR_FILE_KEY
  delete env.FORCE_COLOR
  delete env.ROTOR_HOME
  // Keys rotor keeps in the user's config directory stay inside the test's folder.
  env.XDG_CONFIG_HOME = join(options.cwd, '.user-config')
  return spawn(process.execPath, [BIN, ...args], {
    cwd: options.cwd,
    env: {...env, ...options.env, ...(options.now ? {ROTOR_TEST_NOW: options.now} : {}), NODE_OPTIONS: preload},
    stdio: ['ignore', options.stdio ?? 'pipe', options.stdio ?? 'pipe'],
  })
}

/** Runs the built CLI to its end (see spawnCli). */
export function runCli(args: string[], options: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, options)
    let stdout = ''
    let stderr = ''
    child.stdout!.on('data', (d) => (stdout += d))
    child.stderr!.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code, signal) => resolve({code: code ?? (signal ? 128 : 1), stdout, stderr}))
  })
}

export function json<T = Record<string, unknown>>(result: CliResult): T {
  try {
    return JSON.parse(result.stdout) as T
  } catch {
    throw new Error(`stdout is not JSON (exit ${result.code}):\n${result.stdout}\nstderr:\n${result.stderr}`)
  }
}
