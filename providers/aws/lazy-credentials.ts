/**
 * The AWS SDK's default credential chain (environment, SSO, shared config and credentials files,
 * credential_process, web identity, container and instance roles), loaded when a client first
 * needs credentials it was not given.
 *
 * Every AWS client's runtime config imports `defaultProvider` from @aws-sdk/credential-provider-node,
 * and with it the code of each provider and of the nested STS/SSO/sign-in clients they call. The
 * build (scripts/build.js, `awsLazyCredentialChain`) points those imports here instead, so the
 * real chain is its own chunk: `rotor get` with keys in the environment (rotor hands them to the
 * client itself, providers/aws/sdk-config.ts) never loads it, and a profile or SSO user loads it on
 * the first request, with the same chain, order and caching as before. Only the bundle uses this
 * module; tests and `tsc` builds import the SDK as it is.
 */
import type {defaultProvider as sdkDefaultProvider} from '@aws-sdk/credential-provider-node'

type DefaultProvider = typeof sdkDefaultProvider
type Chain = ReturnType<DefaultProvider>

/** The package is CommonJS: in the bundle its own chunk has only a default export, `module.exports`. */
async function loadChain(): Promise<DefaultProvider> {
  const sdk: {defaultProvider?: DefaultProvider; default?: {defaultProvider?: DefaultProvider}} = await import('@aws-sdk/credential-provider-node')
  const found = sdk.defaultProvider ?? sdk.default?.defaultProvider
  if (!found) throw new Error('@aws-sdk/credential-provider-node has no defaultProvider: the install is broken')
  return found
}

export const defaultProvider: DefaultProvider = (init = {}) => {
  let chain: Promise<Chain> | undefined
  return async (options) => {
    // The chain memoizes what it resolved (and refreshes it before expiry): one chain per client, as the SDK makes.
    chain ??= loadChain().then((sdkDefaultProvider) => sdkDefaultProvider(init))
    return (await chain)(options)
  }
}
