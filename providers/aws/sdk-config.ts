/**
 * The SDK client settings every AWS client of rotor's shares (Secrets Manager store, IAM issuer):
 * region, endpoint, profile or the environment's keys, no SDK retries (rotor's retry helper
 * retries), and timeouts. No SDK import, so each client's module loads only its own SDK.
 */
export interface AwsConnection {
  region: string
  endpoint?: string
  profile?: string
}

export interface AwsSdkConfig {
  region: string
  maxAttempts: number
  endpoint?: string
  profile?: string
  credentials?: {accessKeyId: string; secretAccessKey: string; sessionToken?: string}
  requestHandler: {connectionTimeout: number; requestTimeout: number}
}

export function awsSdkConfig(settings: AwsConnection, env: NodeJS.ProcessEnv): AwsSdkConfig {
  const useEnvKeys = !settings.profile && !env.AWS_PROFILE && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
  return {
    region: settings.region,
    maxAttempts: 1,
    ...(settings.endpoint ? {endpoint: settings.endpoint} : {}),
    ...(settings.profile ? {profile: settings.profile} : {}),
    ...(useEnvKeys
      ? {
          credentials: {
            accessKeyId: env.AWS_ACCESS_KEY_ID!,
            secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
            ...(env.AWS_SESSION_TOKEN ? {sessionToken: env.AWS_SESSION_TOKEN} : {}),
          },
        }
      : {}),
    requestHandler: {connectionTimeout: 5_000, requestTimeout: 30_000},
  }
}
