import {z} from 'zod'
import type {ProviderFactory} from '../types.js'
import {vaultRuntime} from './runtime.js'
import {vaultPolicy} from './policy.js'
import {insecureTransportMessage, isPlainTextRemote} from '../../src/util/transport.js'

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/
const MOUNT = /^[^/\s]+(\/[^/\s]+)*$/

const tokenAuth = z
  .strictObject({
    method: z.literal('token').describe('Use a token from the environment.'),
    tokenEnv: z.string().regex(ENV_NAME).default('VAULT_TOKEN').describe('Environment variable holding the Vault token.'),
  })
  .describe('A Vault token, read from the environment (VAULT_TOKEN by default).')

const approleAuth = z
  .strictObject({
    method: z.literal('approle').describe('Log in with AppRole.'),
    roleId: z.string().min(1).describe('The AppRole role_id (not secret).'),
    secretIdEnv: z
      .string()
      .regex(ENV_NAME)
      .default('VAULT_SECRET_ID')
      .describe('Name of the environment variable holding the secret_id; the secret_id itself never goes in the config.'),
    mount: z.string().regex(MOUNT).default('approle').describe('Path the AppRole auth method is mounted at.'),
  })
  .describe('AppRole login: role_id in the config, secret_id from the environment.')

const kubernetesAuth = z
  .strictObject({
    method: z.literal('kubernetes').describe('Log in with the pod service-account token.'),
    role: z.string().min(1).describe('The Vault Kubernetes auth role.'),
    tokenPath: z
      .string()
      .min(1)
      .default('/var/run/secrets/kubernetes.io/serviceaccount/token')
      .describe('File holding the service-account JWT; relative paths resolve against the config file.'),
    mount: z.string().regex(MOUNT).default('kubernetes').describe('Path the Kubernetes auth method is mounted at.'),
  })
  .describe('Kubernetes service-account login, for rotor running as a CronJob.')

const settings = z
  .strictObject({
    address: z
      .url({protocol: /^https?$/})
      .optional()
      .describe('Vault address, e.g. https://vault.example.com:8200. Defaults to VAULT_ADDR when the store is opened.'),
    namespace: z
      .string()
      .min(1)
      .optional()
      .describe('Vault Enterprise / HCP namespace (X-Vault-Namespace). Defaults to VAULT_NAMESPACE when set.'),
    mount: z.string().regex(MOUNT).default('secret').describe('Path of the KV version 2 secrets engine.'),
    pathPrefix: z
      .string()
      .regex(MOUNT)
      .optional()
      .describe('Prefix inside the mount put before every secret path, e.g. `apps/prod`.'),
    field: z.string().min(1).default('value').describe('Key in each version\'s data map that holds the secret value.'),
    rotationField: z
      .string()
      .min(1)
      .nullable()
      .default('_rotor_rotation')
      .describe(
        'Key in each version\'s data map where rotor writes the rotation id, so a retry after a crash recognises its own write; null to keep the data map to `field` only.',
      ),
    tls: z
      .strictObject({
        caFile: z.string().min(1).optional().describe('PEM file of the CA that signed the Vault certificate.'),
        insecureSkipVerify: z
          .boolean()
          .default(false)
          .describe('Skip TLS certificate verification. Only for a lab; rotor warns every time it is used.'),
      })
      .prefault({})
      .describe('TLS settings for https addresses.'),
    auth: z
      .discriminatedUnion('method', [tokenAuth, approleAuth, kubernetesAuth])
      .prefault({method: 'token'})
      .describe('How rotor logs in to Vault.'),
    timeoutSeconds: z.number().int().positive().max(600).default(30).describe('Timeout of one HTTP request to Vault.'),
    rateLimit: z
      .strictObject({
        readsPerSecond: z.number().positive().default(200).describe('Reads per second rotor allows itself.'),
        writesPerSecond: z.number().positive().default(50).describe('Writes per second rotor allows itself.'),
        concurrency: z.number().int().positive().max(256).default(8).describe('Requests in flight at once.'),
      })
      .prefault({})
      .describe("Vault's rate-limit quotas are set by its operators: match them here."),
    allowInsecureTransport: z
      .boolean()
      .default(false)
      .describe('Allow plain http:// to a host other than this machine (loopback is always allowed). The Vault token crosses the network unencrypted (also for VAULT_ADDR); `rotor doctor` warns.'),
  })
  .refine((s) => s.field !== s.rotationField, {message: 'field and rotationField must differ', path: ['rotationField']})
  .refine((s) => s.allowInsecureTransport || s.address === undefined || !isPlainTextRemote(s.address), {
    error: (issue) => insecureTransportMessage('the Vault address', String((issue.input as {address?: string}).address)),
    path: ['address'],
  })
  .describe('HashiCorp Vault KV version 2: every write is a new current version; cas guards concurrent writers.')

export type VaultSettings = z.infer<typeof settings>

export const vaultFactory: ProviderFactory<VaultSettings> = {
  ...vaultRuntime,
  summary: 'HashiCorp Vault KV version 2',
  settings,
  validatePaths(paths) {
    return paths
      .filter((p) => !MOUNT.test(p) || p.split('/').some((segment) => segment === '.' || segment === '..'))
      .map((path) => ({path, message: 'a Vault secret path has segments separated by single slashes, no leading or trailing slash'}))
  },
  policy: (input) => vaultPolicy(input),
  endpoints(s, env) {
    const [source, url] = s.address ? ['address', s.address] : ['VAULT_ADDR', env.VAULT_ADDR]
    return url ? [{source, url, allowInsecure: s.allowInsecureTransport}] : []
  },
}

export {vaultCapabilities} from './runtime.js'
