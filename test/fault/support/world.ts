/**
 * A "world" for fault tests: a directory with rotor.yaml whose one secret has four targets, two
 * file stores and two cloud emulators, AWS and Vault (`startEmulators`) or Azure Key Vault and
 * GCP Secret Manager (`startAzureGcp`), running in the test process; the CLI child reaches them
 * over HTTP(S) or gRPC. The test looks at the stores through rotor's own adapters, so "valid"
 * means what it means to rotor: enabled and readable through the contract.
 */
import {randomBytes} from 'node:crypto'
import {mkdtemp, readFile, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {getFactory, type ProviderKind} from '../../../providers/registry.js'
import type {SecretValue, StoreClient, VersionInfo} from '../../../providers/types.js'
import {TEST_CREDENTIALS} from '../../emulators/aws/fixture.js'
import {type AwsEmulator, startAwsEmulator} from '../../emulators/aws/server.js'
import {type AzureEmulator, EMULATOR_TOKEN, startAzureEmulator} from '../../emulators/azure/server.js'
import {TEST_PROJECT} from '../../emulators/gcp/fixture.js'
import {type GcpEmulator, startGcpEmulator} from '../../emulators/gcp/server.js'
import {startVaultEmulator, type VaultEmulator} from '../../emulators/vault/index.js'
import {type CliResult, runCli} from '../../support/cli.js'

export const KILL_AT = new URL('./kill-at.mjs', import.meta.url).href

const DAY_MS = 86_400_000
/**
 * The CLI's (fake) clock runs a year ahead of the emulators' real one, so everything an emulator
 * stamps (creation, soft-deletion) lies in the CLI's past, as it would with synchronised clocks;
 * several tests share one emulator, so the emulators cannot follow each CLI run's clock. Azure and
 * GCP follow the same rule: their emulators run on the real clock too.
 */
const EPOCH = Math.ceil((Date.now() + 365 * DAY_MS) / DAY_MS) * DAY_MS

/** ISO time `days` days (and `minutes` minutes) after the tests' epoch. */
export const at = (days: number, minutes = 0): string => new Date(EPOCH + days * DAY_MS + minutes * 60_000).toISOString()
export const SECRET = 'api'

/** Cloud emulators a world's secrets target, each under a store of its own name. */
export interface StoreEmulators {
  aws?: AwsEmulator
  vault?: VaultEmulator
  azure?: AzureEmulator
  gcp?: GcpEmulator
}

export interface Emulators extends StoreEmulators {
  aws: AwsEmulator
  vault: VaultEmulator
}

export interface AzureGcpEmulators extends StoreEmulators {
  azure: AzureEmulator
  gcp: GcpEmulator
}

/** The order of the cloud targets, between file-a and file-b. */
const CLOUDS = ['aws', 'vault', 'azure', 'gcp'] as const

/** The AWS and Vault emulators that several worlds share (for a beforeAll; `closeEmulators` after). */
export async function startEmulators(): Promise<Emulators> {
  return {aws: await startAwsEmulator({credentials: [TEST_CREDENTIALS]}), vault: await startVaultEmulator()}
}

/**
 * The Azure Key Vault (HTTPS, certificate made now, challenge auth) and GCP Secret Manager (gRPC)
 * emulators that several worlds share. GCP's per-minute write quota is lifted: the worlds of a
 * whole matrix share one project, and throttling is the throttling test's business.
 */
export async function startAzureGcp(): Promise<AzureGcpEmulators> {
  return {azure: await startAzureEmulator(), gcp: await startGcpEmulator({writeQuotaPerMinute: 1_000_000})}
}

/** Closes what `startEmulators` or `startAzureGcp` started, if it got that far. */
export async function closeEmulators(emulators: StoreEmulators | undefined): Promise<void> {
  await emulators?.aws?.close()
  await emulators?.vault?.close()
  await emulators?.azure?.close()
  await emulators?.gcp?.close()
}

export interface TargetState {
  target: string
  meta: Record<string, string | undefined>
  current?: VersionInfo
  versions: VersionInfo[]
  /** Values of the enabled versions, by version id. */
  values: Map<string, string>
}

export interface World {
  dir: string
  /** Targets of the first secret. */
  targets: string[]
  /** Targets by secret name. */
  targetsOf: Record<string, string[]>
  env: NodeJS.ProcessEnv
  cli(args: string[], now: string, extra?: {env?: NodeJS.ProcessEnv; preload?: string[]}): Promise<CliResult>
  /** Every target's versions and the values of its enabled ones (of the first secret by default). */
  inspect(secret?: string): Promise<TargetState[]>
  auditEntries(): Promise<Array<Record<string, unknown>>>
  close(): Promise<void>
}

export interface WorldOptions {
  /** Distinguishes this world's paths in the shared emulators. */
  name: string
  emulators?: StoreEmulators
  /** Extra YAML under the secret (indented 4 spaces), e.g. a verify block. */
  secretExtra?: string
  /** Another world's directory whose file stores this one shares (a second runner). */
  shareFilesWith?: string
  /** Secret names; default one, `api`. */
  secrets?: string[]
  /** Prefix of the emulator paths; default `name` (a second runner uses the first one's). */
  prefix?: string
}

export async function makeWorld(options: WorldOptions): Promise<World> {
  const dir = await mkdtemp(join(tmpdir(), `rotor-fault-${options.name}-`))
  const fileDir = options.shareFilesWith ?? dir
  const {emulators} = options
  const prefix = options.prefix ?? options.name
  const names = options.secrets ?? [SECRET]
  const clouds = CLOUDS.filter((kind) => emulators?.[kind])
  const targetsOf = Object.fromEntries(names.map((n) => [n, [`file-a:${n}`, ...clouds.map((kind) => `${kind}:${prefix}/${n}`), `file-b:${n}`]]))
  // Key Vault's certificate, made at emulator start, trusted through the store's `caFile`.
  const caFile = join(dir, 'azure-ca.pem')
  if (emulators?.azure) await writeFile(caFile, emulators.azure.ca)
  const settings = storeSettings(emulators ?? {}, caFile)
  const stores = [
    `  file-a:\n    type: file\n    path: ${join(fileDir, 'a.enc')}`,
    `  file-b:\n    type: file\n    path: ${join(fileDir, 'b.enc')}`,
    ...clouds.map(
      (kind) =>
        `  ${kind}:\n    type: ${kind}\n${Object.entries(settings[kind]!)
          .map(([key, value]) => `    ${key}: ${JSON.stringify(value)}`)
          .join('\n')}`,
    ),
  ]
  await writeFile(
    join(dir, 'rotor.yaml'),
    `version: 1
stores:
${stores.join('\n')}
secrets:
${names.map((n) => `  ${n}:\n    maxAge: 30d\n    grace: 1d\n    targets: [${targetsOf[n].join(', ')}]\n${options.secretExtra ?? ''}`).join('')}`,
  )
  const keyFile = join(fileDir, 'file.key')
  const key = options.shareFilesWith ? (await readFile(keyFile, 'utf8')).trim() : randomBytes(32).toString('base64')
  if (!options.shareFilesWith) await writeFile(keyFile, key, {mode: 0o600})
  const env: NodeJS.ProcessEnv = {
    ROTOR_FILE_KEY: key,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...(emulators?.vault ? {VAULT_TOKEN: emulators.vault.rootToken} : {}),
    ...(emulators?.azure ? {AZURE_KEYVAULT_ACCESS_TOKEN: EMULATOR_TOKEN} : {}),
  }
  const clients = new Map<string, Promise<StoreClient>>()
  const open = (store: string): Promise<StoreClient> => {
    let client = clients.get(store)
    if (!client) {
      client = openStore(store, fileDir, env, settings)
      clients.set(store, client)
    }
    return client
  }
  return {
    dir,
    targets: targetsOf[names[0]],
    targetsOf,
    env,
    cli: (args, now, extra = {}) => runCli(args, {cwd: dir, now, env: {...env, ...extra.env}, preload: extra.preload}),
    inspect: (secret = names[0]) => Promise.all(targetsOf[secret].map((t) => inspectTarget(t, open))),
    auditEntries: async () =>
      (await readFile(join(dir, '.rotor/audit.log'), 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    close: async () => {
      for (const client of clients.values()) await (await client).close()
    },
  }
}

/** Each cloud store's settings, as rotor.yaml gives them and as the test opens the store. */
function storeSettings(emulators: StoreEmulators, caFile: string): Partial<Record<(typeof CLOUDS)[number], Record<string, unknown>>> {
  const {aws, vault, azure, gcp} = emulators
  return {
    ...(aws ? {aws: {region: aws.region, endpoint: aws.endpoint}} : {}),
    ...(vault ? {vault: {address: vault.address}} : {}),
    ...(azure ? {azure: {vaultUrl: azure.vaultUrl, caFile, disableChallengeResourceVerification: true, pollIntervalMs: 10}} : {}),
    ...(gcp ? {gcp: {project: TEST_PROJECT, endpoint: `${gcp.endpoint}:${gcp.port}`, insecure: true}} : {}),
  }
}

async function openStore(
  store: string,
  fileDir: string,
  env: NodeJS.ProcessEnv,
  settings: ReturnType<typeof storeSettings>,
): Promise<StoreClient> {
  const now = () => new Date()
  // The GCP store warns that it talks plain-text gRPC; the test knows.
  const context = {baseDir: fileDir, env, now, warn: () => {}}
  const kind: ProviderKind = store.startsWith('file') ? 'file' : (store as ProviderKind)
  const raw = kind === 'file' ? {path: join(fileDir, store === 'file-a' ? 'a.enc' : 'b.enc')} : settings[kind as (typeof CLOUDS)[number]]
  const factory = getFactory(kind)
  return factory.create(store, factory.settings.parse(raw), context)
}

async function inspectTarget(target: string, open: (store: string) => Promise<StoreClient>): Promise<TargetState> {
  const [store, path] = target.split(/:(.*)/s)
  const client = await open(store)
  const snapshot = await client.describe(path)
  const values = new Map<string, string>()
  for (const v of snapshot.versions) {
    if (!v.enabled || v.destroyed) continue
    const value: SecretValue = await client.readValue(path, {versionId: v.id})
    values.set(v.id, value.reveal())
  }
  return {target, meta: snapshot.meta, current: snapshot.versions.find((v) => v.role === 'current' && v.enabled), versions: snapshot.versions, values}
}

export const ROOT = fileURLToPath(new URL('../../..', import.meta.url))
