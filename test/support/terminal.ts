import {spawnSync} from 'node:child_process'
import {join} from 'node:path'
import {ROOT} from './cli.js'

/**
 * Runs the built CLI at a terminal: a pseudo-terminal from util-linux `script`, which types
 * `input` into it. stdout, stderr and the echo of the input all come back in `output`.
 */
export function atTerminal(args: string[], cwd: string, input = ''): {status: number | null; output: string} {
  const command = [process.execPath, join(ROOT, 'bin/run.js'), ...args].map((a) => `'${a}'`).join(' ')
  const env: NodeJS.ProcessEnv = {...process.env, NO_COLOR: '1', XDG_CONFIG_HOME: join(cwd, '.user-config')}
  delete env.ROTOR_HOME
  delete env.ROTOR_CONFIG
  delete env.ROTOR_FILE_KEY
  delete env.FORCE_COLOR
  const result = spawnSync('script', ['-qec', command, '/dev/null'], {cwd, env, encoding: 'utf8', input, timeout: 120_000})
  return {status: result.status, output: result.stdout.replace(/\r/g, '')}
}
