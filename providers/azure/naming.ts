/**
 * rotor paths -> Key Vault secret names. Key Vault names are 1-127 characters of letters, digits
 * and "-", and case-insensitive, so the mapping is readable rather than reversible:
 * - each "/" becomes "--": `payments/api-key` -> `payments--api-key`;
 * - "_" and "." (and any other character outside the alphabet) become "-":
 *   `payments/stripe_key.v2` -> `payments--stripe-key-v2`.
 * An operator can predict the name without rotor, at the price that two paths may meet in one
 * name (`a/b_c` and `a/b-c`, or `Api/key` and `api/key`). `validatePaths` rejects such pairs at
 * config time, and every version rotor writes carries its path in the `rotor-path` tag, so
 * `list` reads paths back exactly and a write refuses a secret another path owns.
 * This file must not import the SDK: the factory uses it.
 */

export const MAX_NAME_LENGTH = 127

export function secretNameFor(path: string): string {
  return path
    .split('/')
    .map((segment) => segment.replace(/[^0-9A-Za-z-]/g, '-'))
    .join('--')
}

/** Best effort for secrets without a `rotor-path` tag (created by someone else). */
export function pathFromName(name: string): string {
  return name.replaceAll('--', '/')
}

/** Paths whose names are too long, or that share a name (ignoring case) with another path. */
export function pathProblems(paths: string[]): Array<{path: string; message: string}> {
  const problems: Array<{path: string; message: string}> = []
  const byName = new Map<string, string[]>()
  for (const path of new Set(paths)) {
    const name = secretNameFor(path)
    if (name.length > MAX_NAME_LENGTH) {
      problems.push({path, message: `maps to a Key Vault secret name of ${name.length} characters; Key Vault allows at most ${MAX_NAME_LENGTH}`})
      continue
    }
    const key = name.toLowerCase()
    byName.set(key, [...(byName.get(key) ?? []), path])
  }
  for (const [, sharing] of byName) {
    if (sharing.length < 2) continue
    for (const path of sharing) {
      const others = sharing.filter((p) => p !== path).map((p) => `"${p}"`).join(', ')
      problems.push({
        path,
        message: `maps to the Key Vault secret name "${secretNameFor(path)}", as does ${others}: Key Vault names allow only letters, digits and "-" and ignore case ("/" becomes "--", "_" and "." become "-"); rename one of them`,
      })
    }
  }
  return problems
}
