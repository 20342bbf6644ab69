import {z} from 'zod'
import type {ProviderFactory} from '../types.js'
import {gcpRuntime} from './runtime.js'
import {pathProblem} from './naming.js'
import {gcpPolicy} from './policy.js'
import {insecureTransportMessage, isPlainTextRemote} from '../../src/util/transport.js'

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
    allowInsecureTransport: z
      .boolean()
      .default(false)
      .describe('Allow `insecure` (plain text) to a host other than this machine (loopback is always allowed). Tokens cross the network unencrypted; `rotor doctor` warns.'),
  })
  .refine((s) => !s.insecure || s.endpoint !== undefined, {message: '`insecure` needs `endpoint` (it is for a local emulator)', path: ['insecure']})
  .refine((s) => !s.insecure || s.endpoint === undefined || s.allowInsecureTransport || !isPlainTextRemote(`http://${s.endpoint}`), {
    error: (issue) => insecureTransportMessage('`insecure` on the endpoint', `http://${String((issue.input as {endpoint?: string}).endpoint)}`),
    path: ['endpoint'],
  })
  .describe('GCP Secret Manager. Credentials come from Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, gcloud ADC, workload identity, or the metadata server).')

export type GcpSettings = z.infer<typeof settings>

export const gcpFactory: ProviderFactory<GcpSettings> = {
  ...gcpRuntime,
  summary: 'GCP Secret Manager',
  settings,
  policy: (input) => gcpPolicy(input),
  endpoints: (s) =>
    s.endpoint ? [{source: 'endpoint', url: `${s.insecure ? 'http' : 'https'}://${s.endpoint}`, allowInsecure: s.allowInsecureTransport}] : [],
  validatePaths(paths) {
    return paths.flatMap((path) => {
      const message = pathProblem(path)
      return message ? [{path, message}] : []
    })
  },
}

export {gcpCapabilities, gcpAtPromotionCapabilities} from './runtime.js'
