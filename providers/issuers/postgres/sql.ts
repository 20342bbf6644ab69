/**
 * Quoting for the statements rotor builds itself. `ALTER ROLE` and `GRANT` are utility statements,
 * which take no bind parameters, so role names and the SCRAM verifier go into the text: always
 * through these two functions, never by concatenation.
 */

/** A role or database name as a quoted identifier: `app"x` -> `"app""x"`. */
export function quoteIdent(name: string): string {
  if (name.includes('\0')) throw new TypeError('an identifier cannot contain a NUL character')
  return `"${name.replaceAll('"', '""')}"`
}

/** A string literal in standard_conforming_strings form (backslashes doubled only with an E prefix). */
export function quoteLiteral(text: string): string {
  if (text.includes('\0')) throw new TypeError('a literal cannot contain a NUL character')
  const quoted = `'${text.replaceAll("'", "''")}'`
  return text.includes('\\') ? `E${quoted.replaceAll('\\', '\\\\')}` : quoted
}
