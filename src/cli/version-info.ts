/**
 * What `rotor version` reports, apart from oclif: the command (commands/version.ts) and the fast
 * path in bin/run.js (plain `rotor version`, answered without loading oclif or a command; bundled
 * as dist/cli/version.js) print the same lines from here.
 */
import {createRequire} from 'node:module'

/** The cloud SDKs rotor carries (bundled into dist/cli: their versions are fixed at build time). */
export const SDK_PACKAGES = [
  '@aws-sdk/client-secrets-manager',
  '@aws-sdk/client-iam',
  '@aws-sdk/client-sts',
  '@azure/identity',
  '@azure/keyvault-secrets',
  '@google-cloud/secret-manager',
  'node-vault',
  'pg',
] as const

declare global {
  // Replaced by scripts/build.js (esbuild `define`) with the versions it bundled.
  var __ROTOR_SDK_VERSIONS__: Record<string, string> | undefined
}

const require = createRequire(import.meta.url)

/** Installed next to rotor, not bundled: read from node_modules (null when absent, e.g. an optional one). */
function installedVersion(name: string): string | null {
  try {
    return (require(`${name}/package.json`) as {version: string}).version
  } catch {
    return null
  }
}

export interface VersionInfo {
  rotor: string
  node: string
  platform: string
  oclif: string | null
  sdks: Record<string, string | null>
  /** Native module of the embedded SQLite store; null when it is not installed. */
  betterSqlite3: string | null
}

export function versionInfo(rotorVersion: string): VersionInfo {
  const bundled = globalThis.__ROTOR_SDK_VERSIONS__
  return {
    rotor: rotorVersion,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    // Bundled into dist/cli (scripts/build.js); from node_modules when run from the sources.
    oclif: bundled?.['@oclif/core'] ?? installedVersion('@oclif/core'),
    sdks: Object.fromEntries(SDK_PACKAGES.map((name) => [name, bundled?.[name] ?? installedVersion(name)])),
    betterSqlite3: installedVersion('better-sqlite3'),
  }
}

/** The text `rotor version` prints, one line each. */
export function versionLines(result: VersionInfo): string[] {
  const lines = [`rotor ${result.rotor}`, `node ${result.node} (${result.platform})`]
  for (const [name, version] of Object.entries({...result.sdks, '@oclif/core': result.oclif, 'better-sqlite3': result.betterSqlite3})) lines.push(`${name} ${version ?? 'not installed'}`)
  return lines
}
