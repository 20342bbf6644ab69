/**
 * `${NAME}` in store settings takes the value of an environment variable, so credentials and
 * endpoints stay out of the file; `$${` is a literal `${`. Nowhere else is `${` accepted: secret
 * values never go in rotor.yaml, rotor generates them.
 */
import type {KeyPath} from './locate.js'

const VARIABLE_NAME = /^[A-Z_][A-Z0-9_]*$/

export interface InterpolationProblem {
  path: KeyPath
  /** The text to point at inside the string, e.g. `${TOKEN}`. */
  token: string
  message: string
}

export interface Interpolated {
  data: unknown
  problems: InterpolationProblem[]
}

const FORBIDDEN =
  '"${...}" is only expanded in store settings; secret values never go in rotor.yaml (rotor generates them and writes them to the stores)'

/** Expands `${NAME}` in one string. Problems carry no path; the caller adds it. */
export function interpolate(text: string, env: NodeJS.ProcessEnv): {value: string; problems: Omit<InterpolationProblem, 'path'>[]} {
  const problems: Omit<InterpolationProblem, 'path'>[] = []
  let value = ''
  let i = 0
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      value += '${'
      i += 3
      continue
    }
    if (!text.startsWith('${', i)) {
      value += text[i]
      i += 1
      continue
    }
    const end = text.indexOf('}', i + 2)
    if (end < 0) {
      problems.push({token: '${', message: 'unterminated "${"; write ${NAME}, or $${ for a literal "${"'})
      value += text.slice(i)
      break
    }
    const token = text.slice(i, end + 1)
    const name = text.slice(i + 2, end)
    i = end + 1
    if (!VARIABLE_NAME.test(name)) {
      problems.push({
        token,
        message: `"${token}" is not a valid reference: use \${NAME} with NAME made of A-Z, 0-9 and "_", not starting with a digit, or $\${ for a literal "\${"`,
      })
      continue
    }
    const resolved = env[name]
    if (resolved === undefined) {
      problems.push({token, message: `environment variable ${name} is not set (referenced as "${token}")`})
      continue
    }
    value += resolved
  }
  return {value, problems}
}

/**
 * Expands references in every string under `stores.<name>` except `type`, and reports `${` in
 * any other string value of the file. Map keys are left alone.
 */
export function interpolateConfig(data: unknown, env: NodeJS.ProcessEnv): Interpolated {
  const problems: InterpolationProblem[] = []

  const expand = (value: unknown, path: KeyPath): unknown => {
    if (typeof value === 'string') {
      const result = interpolate(value, env)
      for (const problem of result.problems) problems.push({...problem, path})
      return result.value
    }
    return mapChildren(value, path, expand)
  }

  const forbid = (value: unknown, path: KeyPath): unknown => {
    if (typeof value === 'string') {
      if (value.includes('${')) problems.push({path, token: '${', message: FORBIDDEN})
      return value
    }
    return mapChildren(value, path, forbid)
  }

  const root = mapChildren(data, [], (value, path) => {
    if (path[0] !== 'stores' || !isPlainMap(value)) return forbid(value, path)
    return mapChildren(value, path, (store, storePath) =>
      isPlainMap(store)
        ? mapChildren(store, storePath, (setting, settingPath) =>
            settingPath.at(-1) === 'type' ? forbid(setting, settingPath) : expand(setting, settingPath),
          )
        : forbid(store, storePath),
    )
  })
  return {data: root, problems}
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
}

function mapChildren(value: unknown, path: KeyPath, fn: (child: unknown, path: KeyPath) => unknown): unknown {
  if (Array.isArray(value)) return value.map((item, i) => fn(item, [...path, i]))
  if (isPlainMap(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, fn(child, [...path, key])]))
  }
  return value
}
