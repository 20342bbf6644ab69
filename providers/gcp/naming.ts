/**
 * rotor paths <-> Secret Manager resource names. Secret ids are 1-255 characters of
 * `[A-Za-z0-9_-]`, with no `/`, so a path's `/` is written `__` (`payments/api-key` is the
 * secret `payments__api-key`). Paths that could not be read back unambiguously (`__`, or `_`
 * next to `/`) are refused by validatePaths. No SDK import here: the factory uses this file.
 */

const PATH_CHARS = /^[A-Za-z0-9_/-]+$/
const MAX_SECRET_ID = 255

export const toSecretId = (path: string): string => path.replaceAll('/', '__')

export const fromSecretId = (secretId: string): string => secretId.replaceAll('__', '/')

/** Why `path` cannot name a GCP secret, or undefined when it can. */
export function pathProblem(path: string): string | undefined {
  if (!PATH_CHARS.test(path)) return 'GCP secret paths are letters, digits, `-`, `_` and `/` (written `__` in the secret id)'
  if (path.includes('__')) return 'a GCP secret path cannot contain `__`: rotor writes `/` as `__` in the secret id'
  if (path.startsWith('/') || path.endsWith('/') || path.includes('//')) return 'a GCP secret path has no empty segments'
  if (/_\/|\/_/.test(path)) return 'a GCP secret path cannot have `_` next to `/` (the secret id would be ambiguous)'
  if (toSecretId(path).length > MAX_SECRET_ID) return `the GCP secret id (with \`/\` written \`__\`) is longer than ${MAX_SECRET_ID} characters`
  return undefined
}

export interface Location {
  project: string
  location: string
}

/** `projects/p` for global secrets, `projects/p/locations/l` for regional ones. */
export const parentOf = ({project, location}: Location): string =>
  location === 'global' ? `projects/${project}` : `projects/${project}/locations/${location}`

export const secretNameOf = (where: Location, path: string): string => `${parentOf(where)}/secrets/${toSecretId(path)}`

export const versionNameOf = (where: Location, path: string, version: string): string => `${secretNameOf(where, path)}/versions/${version}`

/** The version number at the end of a version resource name. */
export const versionNumberOf = (name: string | null | undefined): number => Number((name ?? '').split('/').pop())

/** The path a secret resource name stands for. */
export const pathOfSecretName = (name: string): string => fromSecretId(name.slice(name.lastIndexOf('/') + 1))
