import {z} from 'zod'
import {describe, it, vi} from 'vitest'
import type {ProviderFactory} from '../../../providers/types.js'
import {expectOneProblem, yaml} from './helpers.js'

// A registry with one extra kind whose paths may not contain "_", to reach validatePaths without
// depending on the rules of a real provider.
vi.mock(import('../../../providers/registry.js'), async (importOriginal) => {
  const original = await importOriginal()
  const picky: ProviderFactory<Record<string, never>> = {
    ...original.registry.memory,
    kind: 'picky',
    summary: 'a test store that refuses "_" in paths',
    settings: z.strictObject({}),
    validatePaths: (paths) =>
      paths.filter((path) => path.includes('_')).map((path) => ({path, message: 'this store does not allow "_" in paths'})),
  }
  const registry = {...original.registry, picky}
  type Kind = keyof typeof registry
  return {
    ...original,
    registry,
    providerKinds: Object.keys(registry) as Kind[],
    isProviderKind: (kind: string): kind is Kind => Object.hasOwn(registry, kind),
    getFactory: (kind: Kind) => registry[kind] as ProviderFactory<unknown>,
  } as unknown as typeof original
})

describe('provider path rules', () => {
  it('reports what validatePaths rejects at each target using the path', () => {
    const text = yaml`
      version: 1
      stores:
        strict:
          type: picky
      secrets:
        a:
          maxAge: 30d
          targets:
            - strict:fine/path
            - strict:not_fine
    `
    expectOneProblem(text, {
      line: 10,
      column: 9,
      key: 'secrets.a.targets[1]',
      fragment: 'target "strict:not_fine": this store does not allow "_" in paths',
    })
  })
})
