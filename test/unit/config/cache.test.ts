import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {cacheFile, readCachedConfig} from '../../../src/config/cache.js'
import {loadConfig} from '../../../src/config/index.js'

const text = `version: 1
stores:
  local:
    type: file
secrets:
  api:
    maxAge: 30d
    targets: [local:api]
`

describe('validated-config cache', () => {
  let dir: string
  let file: string
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rotor-cache-'))
    file = join(dir, 'rotor.yaml')
  })
  afterEach(async () => {
    await rm(dir, {recursive: true, force: true})
  })

  it('stores a validated config and returns it for the same text', async () => {
    await writeFile(file, text)
    const loaded = await loadConfig(file, {})
    expect(await readCachedConfig(file, text)).toEqual(loaded)
    expect(await loadConfig(file, {})).toEqual(loaded)
  })

  it('ignores the entry once the file changes, so an edit is always validated', async () => {
    await writeFile(file, text)
    await loadConfig(file, {})
    const broken = text.replace('maxAge: 30d', 'maxAge: soon')
    await writeFile(file, broken)
    expect(await readCachedConfig(file, broken)).toBeUndefined()
    await expect(loadConfig(file, {})).rejects.toThrow(/maxAge/)
  })

  it('never caches a config that interpolates the environment', async () => {
    const withEnv = text.replace('type: file', 'type: file\n    path: ${STORE_PATH}')
    await writeFile(file, withEnv)
    await loadConfig(file, {STORE_PATH: 'x.enc'})
    await expect(readFile(cacheFile(file), 'utf8')).rejects.toThrow(/ENOENT/)
  })

  it('can be bypassed', async () => {
    await writeFile(file, text)
    await loadConfig(file, {}, {cache: false})
    await expect(readFile(cacheFile(file), 'utf8')).rejects.toThrow(/ENOENT/)
  })
})
