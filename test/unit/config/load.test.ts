import {mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {loadConfig, resolveConfigPath} from '../../../src/config/index.js'
import {ConfigError} from '../../../src/errors/index.js'
import {ExitCode} from '../../../src/exit-codes.js'

describe('loadConfig', () => {
  let dir: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-config-'))
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('reads a file and resolves the audit path against its directory', async () => {
    const file = join(dir, 'rotor.yaml')
    await writeFile(file, 'version: 1\naudit: {path: logs/audit.log}\nstores: {local: {type: memory}}\nsecrets: {}\n')
    const config = await loadConfig(file, {ROTOR_ALLOW_MEMORY: '1'})
    expect(config).toMatchObject({file, baseDir: dir, audit: {path: join(dir, 'logs', 'audit.log')}})
  })

  it('reports a missing file as a config problem that says how to create one', async () => {
    const file = join(dir, 'missing.yaml')
    const error = await loadConfig(file, {}).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ConfigError)
    expect((error as ConfigError).exitCode).toBe(ExitCode.CONFIG_INVALID)
    expect((error as ConfigError).problems).toEqual([
      {
        file,
        line: 1,
        column: 1,
        key: '',
        message: 'config file not found; run "rotor init" to create one, or pass --config / ROTOR_CONFIG',
      },
    ])
  })
})

describe('resolveConfigPath', () => {
  it('prefers the flag, then ROTOR_CONFIG, then rotor.yaml', () => {
    expect(resolveConfigPath('ops/rotor.yaml', {ROTOR_CONFIG: 'env.yaml'})).toBe('ops/rotor.yaml')
    expect(resolveConfigPath(undefined, {ROTOR_CONFIG: 'env.yaml'})).toBe('env.yaml')
    expect(resolveConfigPath(undefined, {})).toBe('rotor.yaml')
  })
})
