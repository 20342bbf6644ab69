import {spawnSync} from 'node:child_process'
import {chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ROOT, runCli} from '../support/cli.js'

/**
 * Shell completion of the names in rotor.yaml (issue 15 item 5): `rotor autocomplete` writes
 * oclif's functions and rotor extends them; bash then offers the config's secret and store names.
 * Runs the built CLI through a `rotor` on PATH, as a shell would.
 */
let dir: string
let cache: string
let env: NodeJS.ProcessEnv
const CONFIG = `version: 1
stores:
  vault-main: {type: file, path: .rotor/a.enc}
  vault-dr: {type: file, path: .rotor/b.enc}
secrets:
  alpha-key: {maxAge: 30d, targets: ["vault-main:alpha"]}
  beta-token: {maxAge: 30d, targets: ["vault-main:beta", "vault-dr:beta"]}
`

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rotor-completion-'))
  mkdirSync(join(dir, 'bin'))
  writeFileSync(join(dir, 'bin', 'rotor'), `#!/bin/sh\nexec "${process.execPath}" "${join(ROOT, 'bin/run.js')}" "$@"\n`)
  chmodSync(join(dir, 'bin', 'rotor'), 0o755)
  writeFileSync(join(dir, 'rotor.yaml'), CONFIG)
  mkdirSync(join(dir, 'other'))
  writeFileSync(join(dir, 'other', 'alt.yaml'), CONFIG.replace('alpha-key', 'gamma-cert'))
  cache = join(dir, 'cache')
  env = {PATH: `${join(dir, 'bin')}:${process.env.PATH}`, HOME: dir, XDG_CACHE_HOME: cache, XDG_CONFIG_HOME: join(dir, 'config'), NO_COLOR: '1'}
  const generated = spawnSync('rotor', ['autocomplete', 'bash'], {cwd: dir, env, encoding: 'utf8'})
  if (generated.status !== 0) throw new Error(`rotor autocomplete failed: ${generated.stderr}`)
}, 120_000)
afterAll(() => rmSync(dir, {recursive: true, force: true}))

const functions = () => join(cache, 'rotor', 'autocomplete', 'functions')

/** Sources the generated bash file, runs the completion function `complete -p rotor` names with these words, prints COMPREPLY. */
function complete(words: string[]): string[] {
  const script = [
    `source ${JSON.stringify(join(functions(), 'bash', 'rotor.bash'))}`,
    'fn=$(complete -p rotor | sed -E "s/.*-F ([^ ]+) .*/\\1/")',
    `COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})`,
    `COMP_CWORD=${words.length - 1}`,
    '"$fn"',
    'printf "%s\\n" "${COMPREPLY[@]}"',
  ].join('\n')
  const result = spawnSync('bash', ['-c', script], {cwd: dir, env, encoding: 'utf8'})
  expect(result.status, result.stderr).toBe(0)
  return result.stdout.split('\n').filter(Boolean)
}

describe('bash completion', () => {
  it('offers the secret names where a secret goes', () => {
    expect(complete(['rotor', 'get', ''])).toEqual(['alpha-key', 'beta-token'])
    expect(complete(['rotor', 'rotate', 'b'])).toEqual(['beta-token'])
    expect(complete(['rotor', 'status', '--select', ''])).toEqual(['alpha-key', 'beta-token'])
    expect(complete(['rotor', 'audit', 'show', '--secret', 'al'])).toEqual(['alpha-key'])
  })

  it('offers the store names where a store goes', () => {
    expect(complete(['rotor', 'store', 'rotate-key', ''])).toEqual(['vault-main', 'vault-dr'])
    expect(complete(['rotor', 'import', '--store', 'vault-d'])).toEqual(['vault-dr'])
    // `init --store` takes a cloud, not a name from the config.
    expect(complete(['rotor', 'init', '--store', 'vault-'])).not.toContain('vault-main')
  })

  it('reads the config named by --config on the command line', () => {
    expect(complete(['rotor', '--config', 'other/alt.yaml', 'get', ''])).toEqual(['gamma-cert', 'beta-token'])
    expect(complete(['rotor', 'get', '-c', 'other/alt.yaml', 'g'])).toEqual(['gamma-cert'])
  })

  it('leaves commands and flags to oclif\'s completion', () => {
    expect(complete(['rotor', 'sta'])).toContain('status')
    expect(complete(['rotor', 'get', '--rev'])).toEqual(['--reveal'])
  })
})

describe('the zsh and PowerShell functions', () => {
  it('are extended to ask rotor for the names, then hand over to oclif\'s', () => {
    const zsh = readFileSync(join(functions(), 'zsh', '_rotor'), 'utf8')
    expect(zsh).toContain('functions[_rotor_oclif]=$functions[_rotor]')
    expect(zsh).toContain('__complete $kind')
    expect(zsh.trimEnd().split('\n').at(-1)).toBe('_rotor')
    const ps1 = readFileSync(join(functions(), 'powershell', 'rotor.ps1'), 'utf8')
    expect(ps1).toContain("$arguments = @('__complete', $kind)")
    expect(ps1.trimEnd().split('\n').at(-1)).toBe('Register-ArgumentCompleter -Native -CommandName rotor -ScriptBlock $rotorNamesCompleter')
  })

  it('are extended once when autocomplete runs again', () => {
    expect(spawnSync('rotor', ['autocomplete', '--refresh-cache'], {cwd: dir, env, encoding: 'utf8'}).status).toBe(0)
    const bash = readFileSync(join(functions(), 'bash', 'rotor.bash'), 'utf8')
    expect(bash.match(/_rotor_names_complete\(\)/g)).toHaveLength(1)
  })
})

describe('rotor __complete', () => {
  it('prints the names one a line, and says why when it cannot', async () => {
    const secrets = await runCli(['__complete', 'secrets'], {cwd: dir})
    expect(secrets).toMatchObject({code: 0, stdout: 'alpha-key\nbeta-token\n'})
    const missing = await runCli(['__complete', 'stores', '--config', 'nope.yaml'], {cwd: dir})
    expect(missing.code).toBe(1)
    expect(missing.stderr).toContain('nope.yaml')
    const bad = await runCli(['__complete', 'hosts'], {cwd: dir})
    expect(bad.code).toBe(64)
    expect(bad.stderr).toContain('secrets or stores')
  })
})
