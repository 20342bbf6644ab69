import {expect} from 'vitest'
import {parseConfig} from '../../../src/config/index.js'
import {ConfigError, type ConfigProblem} from '../../../src/errors/index.js'

/**
 * Strips the first newline and the common indentation, so fixtures line up with their lines.
 * Write `\${NAME}` for a literal `${NAME}` in the YAML.
 */
export function yaml(strings: TemplateStringsArray, ...values: unknown[]): string {
  const joined = strings.reduce((text, part, i) => text + part + (i < values.length ? String(values[i]) : ''), '')
  const text = joined.replace(/^\n/, '')
  const indents = text
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => /^ */.exec(line)?.[0].length ?? 0)
  const indent = Math.min(...indents)
  return text
    .split('\n')
    .map((line) => line.slice(indent))
    .join('\n')
}

/** The problems parseConfig reports; fails the test when it does not throw a ConfigError. */
export function problemsOf(text: string, env: NodeJS.ProcessEnv = {}): ConfigProblem[] {
  let thrown: unknown
  try {
    parseConfig(text, 'rotor.yaml', env)
  } catch (error) {
    thrown = error
  }
  expect(thrown).toBeInstanceOf(ConfigError)
  return (thrown as ConfigError).problems
}

/** Expects exactly one problem, at this line, column and key, with `fragment` in its message. */
export function expectOneProblem(
  text: string,
  expected: {line: number; column: number; key: string; fragment: string},
  env: NodeJS.ProcessEnv = {},
): ConfigProblem {
  const problems = problemsOf(text, env)
  const {line, column, key, fragment} = expected
  expect(problems).toEqual([{file: 'rotor.yaml', line, column, key, message: expect.stringContaining(fragment)}])
  return problems[0]
}

/** A small deterministic PRNG (xorshift32), so a failing generated case is reproducible from its seed. */
export function prng(seed: number): () => number {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state >>>= 0
    state ^= state >>> 17
    state ^= state << 5
    state >>>= 0
    return state / 2 ** 32
  }
}

export function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]
}
