/**
 * SDK and runtime debug switches print request and response bodies, that is secret values:
 * GOOGLE_SDK_NODE_LOGGING prints a payload's bytes on a plain read, gRPC traces print frames,
 * the Azure SDK logs requests, `DEBUG` turns on every library that uses the `debug` convention.
 * rotor removes them from its environment before any SDK loads (SDKs read them when they load)
 * and says so. NODE_DEBUG cannot be removed: Node reads it once at start-up, so deleting it later
 * leaves core modules (child_process prints a child's whole environment, http, tls, and `request`
 * used by the Vault client) printing; rotor refuses to run with it instead.
 *
 * Kept free of heavy imports so an entry point can call it before anything else loads.
 */
import {createRequire} from 'node:module'

/** Removed outright: every value of these turns on output that can carry a request body. */
const REMOVED = [
  'GOOGLE_SDK_NODE_LOGGING',
  'GRPC_TRACE',
  'GRPC_NODE_TRACE',
  'GRPC_VERBOSITY',
  'GRPC_NODE_VERBOSITY',
  'AZURE_LOG_LEVEL',
  'TYPESPEC_RUNTIME_LOG_LEVEL',
] as const

export const REFUSED_SWITCH = 'NODE_DEBUG'

/** The `DEBUG` entries rotor keeps: its own (stack traces, src/errors/format.ts), never a library's. */
const isRotorNamespace = (entry: string) => entry === 'rotor' || entry.startsWith('rotor:') || entry === 'rotor*'

export interface DebugSwitches {
  /** One line per switch that was set and is now off, for stderr and `warnings`. */
  warnings: string[]
  /** Set when NODE_DEBUG is on: the reason rotor does not run. */
  refused?: string
}

/** Turns the switches off in `env` (normally process.env) and says what it did; idempotent. */
export function neutraliseDebugSwitches(env: NodeJS.ProcessEnv = process.env): DebugSwitches {
  const warnings: string[] = []
  for (const name of REMOVED) {
    if (env[name] === undefined) continue
    delete env[name]
    warnings.push(`${name} is ignored: SDK debug logging can print request and response bodies, which hold secret values`)
  }
  const debug = env.DEBUG
  if (debug !== undefined) {
    const entries = debug.split(/[\s,]+/).filter(Boolean)
    const kept = entries.filter(isRotorNamespace)
    // `*` asked for everything: rotor's own stack traces are still safe to give.
    if (entries.includes('*') && kept.length === 0) kept.push('rotor')
    if (!entries.every(isRotorNamespace)) {
      if (kept.length > 0) env.DEBUG = kept.join(',')
      else delete env.DEBUG
      warnings.push(
        `DEBUG=${debug} is ignored${kept.length > 0 ? ` except ${kept.join(',')}` : ''}: library debug output can print request and response bodies, which hold secret values`,
      )
      disableLoadedDebug(kept.join(','))
    }
  }
  const nodeDebug = env[REFUSED_SWITCH]
  const refused = nodeDebug
    ? `NODE_DEBUG=${nodeDebug} is set: Node reads it at start-up, and its core modules then print child environments and HTTP/TLS details that can hold secret values; rotor does not run with it`
    : undefined
  return {warnings, ...(refused ? {refused} : {})}
}

/**
 * The `debug` package reads DEBUG once, when first loaded, and oclif loads it before any command
 * runs; libraries loaded later share that copy, so it is switched off in place.
 */
function disableLoadedDebug(namespaces: string): void {
  try {
    const debug = createRequire(import.meta.url)('debug') as {enable?: (namespaces: string) => void; disable?: () => string}
    debug.disable?.()
    if (namespaces) debug.enable?.(namespaces)
  } catch {
    // Not installed (a bundle carries its own copy, loaded after this runs): nothing to switch off.
  }
}
