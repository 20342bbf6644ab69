import {describe, expect, it} from 'vitest'
import {parseConfig} from '../../../src/config/index.js'
import {checkPassEnv, childEnv, configuredCredentialNames} from '../../../src/exec/child-env.js'
import {problemsOf, yaml} from '../config/helpers.js'

const ROTOR_ENV = {
  PATH: '/usr/bin',
  HOME: '/home/op',
  USER: 'op',
  LANG: 'C.UTF-8',
  LC_ALL: 'C',
  TZ: 'UTC',
  TMPDIR: '/tmp',
  TERM: 'xterm',
  SHELL: '/bin/sh',
  ROTOR_FILE_KEY: 'file-key',
  MY_FILE_KEY: 'other-file-key',
  VAULT_TOKEN: 'vault-token',
  VAULT_ADDR: 'http://vault',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  AWS_ACCESS_KEY_ID: 'aws-id',
  AZURE_CLIENT_SECRET: 'azure-secret',
  GOOGLE_APPLICATION_CREDENTIALS: '/creds.json',
  CLOUDSDK_AUTH_ACCESS_TOKEN: 'gcloud-token',
  ROTOR_AUDIT_KEY: 'audit-key',
  HOOK_URL: 'https://hooks.example/T/B/x',
  HOOK_SIGNING_KEY: 'sign',
  DATABASE_HOST: 'db.internal',
  NODE_OPTIONS: '--require evil.js',
  NODE_DEBUG: 'child_process',
}

const config = {
  stores: {local: {name: 'local', type: 'file', settings: {keyEnv: 'MY_FILE_KEY', path: 'x'}}, vault: {name: 'vault', type: 'vault', settings: {tokenEnv: 'VT'}}},
  notify: [{urlEnv: 'HOOK_URL', signingKeyEnv: 'HOOK_SIGNING_KEY', events: [], format: 'json' as const, signatureHeader: 'X', upcomingWithinMs: 0, timeoutMs: 0}],
}

describe('childEnv: the allow-listed environment of exec and verify children', () => {
  it('passes the base variables, passEnv and the values, and nothing else', () => {
    const env = childEnv({env: ROTOR_ENV, config, passEnv: [{from: 'secrets.api.passEnv', names: ['DATABASE_HOST', 'NOT_SET']}], values: {API_KEY: 'v'}})
    const base = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TERM', 'SHELL'] as const
    expect(env).toEqual({...Object.fromEntries(base.map((name) => [name, ROTOR_ENV[name]])), DATABASE_HOST: 'db.internal', API_KEY: 'v'})
  })

  it('refuses a passEnv naming one of rotor credentials, by family or by the config', () => {
    for (const name of ['ROTOR_FILE_KEY', 'VAULT_TOKEN', 'AWS_SECRET_ACCESS_KEY', 'AZURE_CLIENT_SECRET', 'GOOGLE_APPLICATION_CREDENTIALS', 'CLOUDSDK_CONFIG', 'ROTOR_AUDIT_KEY_FILE', 'MY_FILE_KEY', 'VT', 'HOOK_URL', 'HOOK_SIGNING_KEY']) {
      expect(() => childEnv({env: ROTOR_ENV, config, passEnv: [{from: 'secrets.api.passEnv', names: [name]}], values: {}}), name).toThrow(
        /secrets\.api\.passEnv: .* holds one of rotor's own credentials/,
      )
    }
    expect(() => checkPassEnv([{from: '--pass-env', names: ['AWS_SESSION_TOKEN']}])).toThrow(expect.objectContaining({exitCode: 64}))
    expect(() => checkPassEnv([{from: 'secrets.a.passEnv', names: ['MY_FILE_KEY']}], config)).toThrow(expect.objectContaining({exitCode: 65}))
  })

  it('finds every credential variable the config names', () => {
    expect([...configuredCredentialNames(config)].sort()).toEqual(['HOOK_SIGNING_KEY', 'HOOK_URL', 'MY_FILE_KEY', 'VT'])
  })

  it('rotor.yaml refuses passEnv entries that name rotor credentials, at secret and verify level', () => {
    const problems = problemsOf(yaml`
      version: 1
      stores:
        local: {type: file}
      secrets:
        api:
          maxAge: 30d
          targets: [local:api]
          passEnv: [DATABASE_HOST, VAULT_TOKEN]
          verify:
            command: {command: [./check.sh], passEnv: [AWS_SECRET_ACCESS_KEY]}
    `)
    expect(problems.map((p) => `${p.key}: ${p.message}`)).toEqual([
      expect.stringMatching(/^secrets\.api\.passEnv\[1\]: VAULT_TOKEN holds one of rotor's own credentials/),
      expect.stringMatching(/^secrets\.api\.verify\.command\.passEnv\[0\]: AWS_SECRET_ACCESS_KEY holds one of rotor's own credentials/),
    ])
    const ok = parseConfig(
      yaml`
      version: 1
      stores:
        local: {type: file}
      secrets:
        api:
          maxAge: 30d
          targets: [local:api]
          passEnv: [DATABASE_HOST]
          verify:
            command: {command: [./check.sh], passEnv: [CHECK_URL]}
    `,
      'rotor.yaml',
      {},
    )
    expect(ok.secrets[0].passEnv).toEqual(['DATABASE_HOST'])
    expect(ok.secrets[0].verify).toMatchObject({command: {command: ['./check.sh'], passEnv: ['CHECK_URL']}})
  })
})
