/**
 * The names of a value's fields that every secret shares. Kept apart from fields.ts (which reads
 * the issuer registry, and with it zod and every issuer's settings) so that `get`, `exec` and
 * `export` can name them without loading any of that.
 */

/** The one field of a value that no issuer structures. */
export const PLAIN_FIELD = 'value'
/** What an `env` map names for the rendered template. */
export const TEMPLATE_FIELD = 'template'
