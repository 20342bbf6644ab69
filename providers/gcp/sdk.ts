/**
 * Builds the SecretManagerServiceClient for a store's settings. `universeDomain` is always set,
 * so the client never probes the metadata server to discover it; credentials come from
 * Application Default Credentials, except with `insecure` (a local emulator), where the channel
 * is plain text and carries none. The client's own retries are off per call (`retry: null`):
 * rotor's one retry helper retries, driven by the translated errors.
 */
import {SecretManagerServiceClient} from '@google-cloud/secret-manager'
import {grpc} from 'google-gax'
import {OAuth2Client} from 'google-auth-library'
import type {GcpSettings} from './factory.js'

/** Per-call options: no gax retries, a bounded wait. */
export const CALL = {retry: null, timeout: 30_000} as const
/** The same for list RPCs, one page at a time. */
export const PAGE_CALL = {...CALL, autoPaginate: false} as const

const UNIVERSE = 'googleapis.com'

export function endpointOf(settings: GcpSettings): {host: string; port: number} {
  if (settings.endpoint) {
    const [host, port] = settings.endpoint.split(':')
    return {host, port: port ? Number(port) : settings.insecure ? 80 : 443}
  }
  const host = settings.location === 'global' ? `secretmanager.${UNIVERSE}` : `secretmanager.${settings.location}.rep.${UNIVERSE}`
  return {host, port: 443}
}

export function createSdk(settings: GcpSettings): SecretManagerServiceClient {
  const {host, port} = endpointOf(settings)
  const base = {apiEndpoint: host, port, projectId: settings.project, universeDomain: UNIVERSE}
  if (settings.transport === 'rest') {
    return new SecretManagerServiceClient({
      ...base,
      fallback: true,
      ...(settings.insecure ? {protocol: 'http', authClient: emulatorAuth()} : {}),
    })
  }
  return new SecretManagerServiceClient({...base, ...(settings.insecure ? {sslCreds: grpc.credentials.createInsecure()} : {})})
}

/** An auth client with a dummy token: an emulator checks none, and ADC must not be searched for. */
function emulatorAuth(): OAuth2Client {
  const client = new OAuth2Client()
  client.setCredentials({access_token: 'rotor-emulator', expiry_date: Date.now() + 365 * 24 * 3600 * 1000})
  return client
}
