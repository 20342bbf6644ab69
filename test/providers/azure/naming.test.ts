/** rotor paths -> Key Vault names, and collisions rejected at config time. */
import {describe, expect, it} from 'vitest'
import {parseConfig} from '../../../src/config/index.js'
import {ConfigError} from '../../../src/errors/index.js'
import {azureFactory} from '../../../providers/azure/factory.js'
import {pathFromName, secretNameFor} from '../../../providers/azure/naming.js'

describe('Azure store: secret names', () => {
  it('maps paths to names of letters, digits and dashes', () => {
    expect(secretNameFor('payments/api-key')).toBe('payments--api-key')
    expect(secretNameFor('payments/stripe_key.v2')).toBe('payments--stripe-key-v2')
    expect(secretNameFor('a/b/c')).toBe('a--b--c')
    for (const path of ['payments/api-key', 'x_y/z.w', 'deep/er/path-1']) expect(secretNameFor(path)).toMatch(/^[0-9a-zA-Z-]{1,127}$/)
    expect(pathFromName('payments--api-key')).toBe('payments/api-key')
  })

  it('rejects paths that meet in one name, ignoring case, and names over 127 characters', () => {
    const long = `team/${'k'.repeat(130)}`
    const problems = azureFactory.validatePaths!(['payments/api_key', 'payments/api-key', 'payments/API.key', 'other/fine', long])
    expect(problems.map((p) => p.path).sort()).toEqual(['payments/API.key', 'payments/api-key', 'payments/api_key', long].sort())
    expect(problems.find((p) => p.path === 'payments/api_key')!.message).toMatch(/"payments--api-key", as does "payments\/api-key", "payments\/API.key"/)
    expect(problems.find((p) => p.path === long)!.message).toMatch(/at most 127/)
    expect(azureFactory.validatePaths!(['a/b', 'a-b', 'a/b/c'])).toEqual([])
  })

  it('reports a collision as a config problem at the target that causes it', () => {
    const yaml = [
      'version: 1',
      'stores:',
      '  kv:',
      '    type: azure',
      '    vaultUrl: https://rotor-test.vault.azure.net',
      'secrets:',
      '  stripe:',
      '    maxAge: 30d',
      '    targets:',
      '      - kv:payments/stripe_key',
      '  stripe-copy:',
      '    maxAge: 30d',
      '    targets:',
      '      - kv:payments/stripe.key',
      '',
    ].join('\n')
    let thrown: unknown
    try {
      parseConfig(yaml, 'rotor.yaml', {})
    } catch (error) {
      thrown = error
    }
    expect(thrown).toBeInstanceOf(ConfigError)
    const problems = (thrown as ConfigError).problems
    expect(problems.map((p) => [p.key, p.line])).toEqual([
      ['secrets.stripe.targets[0]', 10],
      ['secrets.stripe-copy.targets[0]', 14],
    ])
    expect(problems[0]!.message).toContain('target "kv:payments/stripe_key": maps to the Key Vault secret name "payments--stripe-key"')
  })

  it('accepts the settings a vault needs and refuses plain http', () => {
    expect(azureFactory.settings.parse({vaultUrl: 'https://v.vault.azure.net'})).toMatchObject({disableChallengeResourceVerification: false, pollIntervalMs: 2000})
    expect(azureFactory.settings.safeParse({vaultUrl: 'http://v.vault.azure.net'}).success).toBe(false)
    expect(azureFactory.settings.safeParse({vaultUrl: 'https://v.vault.azure.net', region: 'x'}).success).toBe(false)
  })
})
