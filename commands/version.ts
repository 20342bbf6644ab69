import {createRequire} from 'node:module'
import {BaseCommand} from '../src/cli/base-command.js'

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

export interface VersionResult {
  rotor: string
  node: string
  platform: string
  oclif: string | null
  sdks: Record<string, string | null>
  /** Native module of the embedded SQLite store; null when it is not installed. */
  betterSqlite3: string | null
}

export default class Version extends BaseCommand<typeof Version, VersionResult> {
  static override summary = 'Print the versions of rotor, Node.js and the cloud SDKs rotor carries.'
  static override description = '`rotor --version` prints one line; this command adds the SDK versions (for bug reports) and, with --json, a document.'
  static override examples = ['<%= config.bin %> version', '<%= config.bin %> version --json']

  async run(): Promise<VersionResult> {
    const bundled = globalThis.__ROTOR_SDK_VERSIONS__
    const sdks = Object.fromEntries(SDK_PACKAGES.map((name) => [name, bundled?.[name] ?? installedVersion(name)]))
    const result: VersionResult = {
      rotor: this.config.version,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      oclif: installedVersion('@oclif/core'),
      sdks,
      betterSqlite3: installedVersion('better-sqlite3'),
    }
    this.log(`rotor ${result.rotor}`)
    this.log(`node ${result.node} (${result.platform})`)
    for (const [name, version] of Object.entries({...sdks, '@oclif/core': result.oclif, 'better-sqlite3': result.betterSqlite3})) this.log(`${name} ${version ?? 'not installed'}`)
    return result
  }
}
