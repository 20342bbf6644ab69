import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {cacheFile} from '../../src/config/cache.js'
import {json, runCli} from '../support/cli.js'

const secrets = `secrets:
  api:
    maxAge: 30d
    targets: [local:api]
`

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rotor-transport-'))
})
afterEach(async () => {
  await rm(dir, {recursive: true, force: true})
})

/** Each case: a config with one plain-text URL to another host, where it is, and what names it. */
const cases: Array<{name: string; config: string; expected: string}> = [
  {
    name: 'a Vault address',
    config: `version: 1\nstores:\n  local:\n    type: file\n  vault:\n    type: vault\n    address: http://vault.example.com:8200\n${secrets}`,
    expected: 'rotor.yaml:7:14: stores.vault.address: the Vault address uses plain http:// to vault.example.com:8200',
  },
  {
    name: 'an AWS endpoint',
    config: `version: 1\nstores:\n  local:\n    type: file\n  aws:\n    type: aws\n    region: eu-west-1\n    endpoint: http://10.1.2.3:4566\n${secrets}`,
    expected: 'rotor.yaml:8:15: stores.aws.endpoint: the endpoint uses plain http:// to 10.1.2.3:4566',
  },
  {
    name: 'a plain-text GCP endpoint on another host',
    config: `version: 1\nstores:\n  local:\n    type: file\n  gcp:\n    type: gcp\n    project: my-project-1\n    endpoint: sm.example.com:8080\n    insecure: true\n${secrets}`,
    expected: 'rotor.yaml:8:15: stores.gcp.endpoint: `insecure` on the endpoint uses plain http:// to sm.example.com:8080',
  },
  {
    name: 'a verify URL',
    config: `version: 1\nstores:\n  local:\n    type: file\n${secrets}    verify:\n      http:\n        url: http://check.example.com/v1/ping\n`,
    expected: 'rotor.yaml:11:14: secrets.api.verify.http.url: the verify URL uses plain http:// to check.example.com',
  },
  {
    name: 'a webhook URL',
    config: `version: 1\nstores:\n  local:\n    type: file\n${secrets}notify:\n  - url: http://hooks.example.com/services/T0/secret-token\n`,
    expected: 'rotor.yaml:10:10: notify[0].url: the webhook URL uses plain http:// to hooks.example.com',
  },
]

describe('transports: plain http:// to another host is a config error unless allowed', () => {

  it.each(cases)('$name: exit 65, naming file:line:column and key; no URL token echoed', async ({config, expected}) => {
    await writeFile(join(dir, 'rotor.yaml'), config)
    const result = await runCli(['plan'], {cwd: dir})
    expect(result.code).toBe(65)
    expect(result.stderr).toContain(expected)
    expect(result.stderr).not.toContain('secret-token')
  })

  it.each(cases)('$name: allowInsecureTransport: true lets it load, and doctor warns', async ({config}) => {
    const allowed = config.replace(/^( +)(- )?(address|endpoint|url): (.*)$/m, (line, indent: string, dash?: string) =>
      `${line}\n${indent}${dash ? '  ' : ''}allowInsecureTransport: true`,
    )
    await writeFile(join(dir, 'rotor.yaml'), allowed)
    const policy = await runCli(['policy', '--store', 'local', '--json'], {cwd: dir})
    expect(policy.code, policy.stderr).toBe(0)
    const doctor = await runCli(['doctor', '--store', 'local', '--json'], {cwd: dir})
    const report = json<{transport: Array<{where: string; allowed: boolean}>; warnings: string[]}>(doctor)
    const onStore = /stores\.(vault|aws|gcp)/.test(cases.find((c) => c.config === config)!.expected)
    // `--store local` leaves out other stores' endpoints; verify and webhook URLs are always shown.
    if (!onStore) {
      expect(report.transport).toEqual([expect.objectContaining({allowed: true})])
      expect(report.warnings).toEqual([expect.stringContaining('plain http://')])
    }
  })

  it('accepts loopback http:// (127.0.0.0/8, ::1, localhost) without the setting', async () => {
    const loopback = `version: 1
stores:
  local:
    type: file
  v4:
    type: vault
    address: http://127.0.0.2:8200
  v6:
    type: vault
    address: http://[::1]:8200
  aws:
    type: aws
    region: eu-west-1
    endpoint: http://localhost:4566
${secrets}    verify:
      http:
        url: http://localhost:9000/check
notify:
  - url: http://127.0.0.1:9001/hook
`
    await writeFile(join(dir, 'rotor.yaml'), loopback)
    const policy = await runCli(['policy', '--store', 'local', '--json'], {cwd: dir})
    expect(policy.code, policy.stderr).toBe(0)
  })

  it('doctor: allowed plain text is a warning, healthy stays true; a webhook URL from the environment that is not allowed fails it', async () => {
    await writeFile(
      join(dir, 'rotor.yaml'),
      `version: 1\nstores:\n  local:\n    type: file\n${secrets}notify:\n  - url: http://hooks.example.com/a\n    allowInsecureTransport: true\n  - urlEnv: HOOK_URL\n`,
    )
    const allowed = json<{healthy: boolean; transport: unknown[]; warnings: string[]}>(await runCli(['doctor', '--json'], {cwd: dir}))
    expect(allowed.transport).toEqual([{where: 'webhook 1 (url)', url: 'http://hooks.example.com', allowed: true}])
    expect(allowed.warnings).toEqual([expect.stringContaining('webhook 1 (url) uses plain http:// to hooks.example.com')])
    expect(allowed.healthy).toBe(true)

    const result = await runCli(['doctor', '--json'], {cwd: dir, env: {HOOK_URL: 'http://hooks.example.com/b/secret-token'}})
    expect(result.code).toBe(1)
    const report = json<{healthy: boolean; transport: unknown[]}>(result)
    expect(report.healthy).toBe(false)
    expect(report.transport).toContainEqual({where: 'webhook 2 (urlEnv HOOK_URL)', url: 'http://hooks.example.com', allowed: false})
    expect(result.stdout + result.stderr).not.toContain('secret-token')
  })

  it('a Vault store without an address refuses a plain-text VAULT_ADDR to another host, naming the variable', async () => {
    await writeFile(join(dir, 'rotor.yaml'), `version: 1\nstores:\n  vault:\n    type: vault\nsecrets:\n  api:\n    maxAge: 30d\n    targets: [vault:api]\n`)
    const result = await runCli(['plan', '--json'], {cwd: dir, env: {VAULT_ADDR: 'http://vault.example.com:8200', VAULT_TOKEN: 'hvs.test'}})
    expect(result.code).not.toBe(0)
    expect(result.stdout).toContain('store vault: VAULT_ADDR uses plain http:// to vault.example.com:8200')
  })
})

describe('config cache through the CLI', () => {

  it('a cache entry edited in .rotor/cache does not change the targets rotor plans for', async () => {
    const file = join(dir, 'rotor.yaml')
    await writeFile(file, `version: 1\nstores:\n  local:\n    type: file\n${secrets}`)
    const first = json<{actions: Array<{target?: {path: string}}>}>(await runCli(['plan', '--json'], {cwd: dir}))
    expect(JSON.stringify(first.actions)).toContain('"path":"api"')
    // Someone who can write the project's folder rewrites the cached config (a header line, then the config's JSON).
    const entry = await readFile(cacheFile(file), 'utf8')
    const newline = entry.indexOf('\n')
    expect(entry.slice(newline + 1)).toContain('"path":"api"')
    await writeFile(cacheFile(file), `${entry.slice(0, newline + 1)}${entry.slice(newline + 1).replaceAll('"path":"api"', '"path":"attacker"')}`)
    const second = await runCli(['plan', '--json'], {cwd: dir})
    expect(second.stdout).not.toContain('attacker')
    expect(JSON.stringify(json<{actions: unknown[]}>(second).actions)).toContain('"path":"api"')
  })
})
