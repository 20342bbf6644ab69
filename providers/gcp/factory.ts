import {z} from 'zod'
import type {Capabilities, ProviderFactory} from '../types.js'
import {pathProblem} from './naming.js'
import {gcpPolicy} from '../../src/policy/gcp.js'

const settings = z
  .strictObject({
    project: z
      .string()
      .regex(/^([a-z0-9.-]+:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/, 'a Google Cloud project id such as my-project-123')
      .describe('Google Cloud project id that holds the secrets.'),
    location: z
      .string()
      .regex(/^(global|[a-z]+-[a-z]+\d+)$/, '`global` or a region such as europe-west1')
      .default('global')
      .describe(
        'Where the secrets live: `global` (replicated, secretmanager.googleapis.com) or a region for regional secrets (secretmanager.<region>.rep.googleapis.com).',
      ),
    endpoint: z
      .string()
      .regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'host or host:port')
      .optional()
      .describe('host[:port] to call instead of the default endpoint: a Private Service Connect endpoint, or a local emulator.'),
    insecure: z
      .boolean()
      .default(false)
      .describe('Plain-text gRPC without credentials, for a local emulator only (needs `endpoint`); rotor warns every time it is used.'),
    transport: z
      .enum(['grpc', 'rest'])
      .default('grpc')
      .describe('`grpc` (default), or `rest` (HTTP/1.1 + JSON) where gRPC is blocked by a proxy or firewall.'),
    aliasMode: z
      .enum(['staged', 'at-promotion'])
      .default('staged')
      .describe(
        '`staged`: a rotation adds the new version at once with the alias `pending` (readers of `latest` see it before promotion). `at-promotion`: the new version is only added when it becomes current, for consumers that read `latest`.',
      ),
    rateLimit: z
      .strictObject({
        readsPerMinute: z.number().positive().default(600).describe('Metadata reads per minute rotor allows itself (GetSecret, ListSecretVersions, ...). Default: the documented per-project quota.'),
        writesPerMinute: z.number().positive().default(600).describe('Writes per minute rotor allows itself. Default: the documented per-project quota.'),
        concurrency: z.number().int().positive().max(256).default(16).describe('Requests in flight at once.'),
      })
      .prefault({})
      .describe('Pacing under the project\'s Secret Manager quotas. Keep the defaults unless Google raised your quota.'),
  })
  .refine((s) => !s.insecure || s.endpoint !== undefined, {message: '`insecure` needs `endpoint` (it is for a local emulator)', path: ['insecure']})
  .describe('GCP Secret Manager. Credentials come from Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud ADC, workload identity, or the metadata server).')

export type GcpSettings = z.infer<typeof settings>

/** `aliasMode: staged` (the default). */
export const gcpCapabilities: Capabilities = {
  pendingStage: true,
  disableVersion: true,
  destroyVersion: true,
  // UpdateSecret with the secret's etag: alias moves fail when another writer changed the secret.
  compareAndSwap: true,
  // There is no batch access API: one AccessSecretVersion per secret.
  batchReadSize: 1,
  maxValueBytes: 65_536,
}

/** `aliasMode: at-promotion`: no pending stage, since an added version is at once `latest`. */
export const gcpAtPromotionCapabilities: Capabilities = {...gcpCapabilities, pendingStage: false}

export const gcpFactory: ProviderFactory<GcpSettings> = {
  kind: 'gcp',
  summary: 'GCP Secret Manager',
  settings,
  capabilities: gcpCapabilities,
  policy: (input) => gcpPolicy(input),
  // Per project per minute: 600 metadata reads, 600 writes (90,000 accesses; reads are paced at
  // the stricter metadata quota because describe dominates).
  quotas: ({rateLimit}) => ({
    read: {limit: rateLimit.readsPerMinute, windowMs: 60_000},
    write: {limit: rateLimit.writesPerMinute, windowMs: 60_000},
    concurrency: rateLimit.concurrency,
  }),
  validatePaths(paths) {
    return paths.flatMap((path) => {
      const message = pathProblem(path)
      return message ? [{path, message}] : []
    })
  },
  async create(storeName, gcpSettings, context) {
    const {GcpStoreClient} = await import('./client.js')
    return GcpStoreClient.open(storeName, gcpSettings, context)
  },
}
