/**
 * Two of the SDK's per-request middleware that do nothing rotor needs, made cheap (measured in the
 * fleet bench, bench/fleet.js --per-store aws: together about a quarter of the CPU a
 * ListSecretVersionIds costs). The request on the wire keeps its signature, body and endpoint.
 * - Retries: rotor's retry helper is the only one (`maxAttempts: 1`), but the SDK's retry
 *   middleware still ran on every call (a retry token, a UUID for `amz-sdk-invocation-id`, the
 *   `amz-sdk-request` attempt header). It is replaced by a pass-through; the SDK's signing is
 *   placed relative to it, so it cannot simply be removed.
 * - User agent: the SDK rebuilt and re-escaped the same `user-agent` string on every call. It is
 *   built once, from the SDK's own sections, with `rotor` appended.
 */
import type {SecretsManagerClient} from '@aws-sdk/client-secrets-manager'

type Pair = [string, string?]

/** The SDK's escaping of one user-agent section (`name/part#version`), as its middleware does. */
export function userAgentSection([name, version]: Pair): string {
  const escapedName = name
    .split('/')
    .map((part) => part.replace(/[^!$%&'*+\-.^_`|~\w]/g, '-'))
    .join('/')
  const at = escapedName.indexOf('/')
  const prefix = escapedName.slice(0, Math.max(0, at))
  const rest = escapedName.slice(at + 1)
  const parts = [prefix, prefix === 'api' ? rest.toLowerCase() : rest, version?.replace(/[^!$%&'*+\-.^_`|~\w#]/g, '-')].filter((p): p is string => Boolean(p))
  // As the SDK joins them: first/second#third...
  return parts.reduce((out, part, i) => (i === 0 ? part : i === 1 ? `${out}/${part}` : `${out}#${part}`), '')
}

export function leanMiddleware(sdk: SecretsManagerClient): void {
  sdk.middlewareStack.add((next) => next, {name: 'retryMiddleware', step: 'finalizeRequest', priority: 'high', tags: ['RETRY'], override: true})
  let headers: Promise<{userAgent: string; amzUserAgent: string}> | undefined
  const build = async () => {
    const sections = ((await sdk.config.defaultUserAgentProvider()) as Pair[]).map(userAgentSection)
    return {userAgent: [...sections, 'rotor'].join(' '), amzUserAgent: sections.filter((s) => s.startsWith('aws-sdk-')).join(' ')}
  }
  sdk.middlewareStack.add(
    (next) => async (args) => {
      const request = args.request as {headers?: Record<string, string>}
      if (request.headers) {
        headers ??= build()
        const {userAgent, amzUserAgent} = await headers
        request.headers['user-agent'] = userAgent
        if (amzUserAgent) request.headers['x-amz-user-agent'] = amzUserAgent
      }
      return next(args)
    },
    {name: 'getUserAgentMiddleware', step: 'build', priority: 'low', tags: ['SET_USER_AGENT', 'USER_AGENT'], override: true},
  )
}
