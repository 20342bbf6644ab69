/**
 * The command-line parser of the oclif-free fast paths (src/cli/status-fast.ts, src/cli/get-fast.ts):
 * it takes only a command line whose meaning is plain, and says undefined for anything else, so
 * oclif parses it (and reports its errors) as before:
 * - boolean flags as `--name` or `-x`; string flags as `--name value`, `--name=value` or `-x value`;
 *   each at most once, unless the table says it repeats;
 * - up to `args` positional arguments that do not start with `-` and are not empty;
 * - no `--`, no help or version flag, no unknown flag, no value that is empty, starts with `-` or
 *   is not one of the flag's `options`.
 */
export interface FastArgvSpec {
  /** Token (`--json`, `-q`) -> flag name. */
  booleans: Record<string, string>
  /** Token (`--config`, `-c`) -> flag name. */
  strings: Record<string, string>
  /** String flags that may be given any number of times (collected in an array). */
  repeatable?: string[]
  /** String flags whose value must be one of these. */
  options?: Record<string, string[]>
  /** How many positional arguments may be given (collected in `args`). */
  args?: number
}

export interface FastArgv {
  flags: Record<string, string | string[] | true>
  args: string[]
}

export function parseFastArgv(argv: string[], spec: FastArgvSpec): FastArgv | undefined {
  const flags: FastArgv['flags'] = {}
  const args: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]
    if (!token.startsWith('-')) {
      if (token === '' || args.length >= (spec.args ?? 0)) return undefined
      args.push(token)
      continue
    }
    const boolean = spec.booleans[token]
    if (boolean !== undefined) {
      if (flags[boolean] !== undefined) return undefined
      flags[boolean] = true
      continue
    }
    const eq = token.startsWith('--') ? token.indexOf('=') : -1
    const name = spec.strings[eq === -1 ? token : token.slice(0, eq)]
    if (name === undefined) return undefined
    const value = eq === -1 ? argv[++i] : token.slice(eq + 1)
    if (value === undefined || value === '' || value.startsWith('-')) return undefined
    if (spec.repeatable?.includes(name)) {
      ;((flags[name] ??= []) as string[]).push(value)
      continue
    }
    const options = spec.options?.[name]
    if (flags[name] !== undefined || (options && !options.includes(value))) return undefined
    flags[name] = value
  }
  return {flags, args}
}
