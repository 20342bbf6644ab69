// The sync a user would otherwise write: each SDK called one secret at a time. Read the primary's
// value (AWS), read every other target's value, write where it differs. No batching, no
// concurrency, no metadata shortcuts: the baseline rotor's `sync` is measured against.
import {GetSecretValueCommand, SecretsManagerClient} from '@aws-sdk/client-secrets-manager'
import {SecretClient} from '@azure/keyvault-secrets'
import {SecretManagerServiceClient} from '@google-cloud/secret-manager'
import {grpc} from 'google-gax'

export async function baselineSync(config, env) {
  const settings = (type) => Object.values(config.stores).find((s) => s.type === type).settings
  const aws = settings('aws')
  const azure = settings('azure')
  const gcp = settings('gcp')
  const vault = settings('vault')
  const sm = new SecretsManagerClient({
    region: aws.region,
    endpoint: aws.endpoint,
    credentials: {accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY},
  })
  const token = env.AZURE_KEYVAULT_ACCESS_TOKEN
  const kv = new SecretClient(azure.vaultUrl, {getToken: async () => ({token, expiresOnTimestamp: Date.now() + 3_600_000})}, {
    disableChallengeResourceVerification: true,
  })
  const [host, port] = gcp.endpoint.split(':')
  const gsm = new SecretManagerServiceClient({apiEndpoint: host, port: Number(port), sslCreds: grpc.credentials.createInsecure(), projectId: gcp.project})
  const vaultUrl = (path) => `${vault.address}/v1/secret/data/${path}`
  const vaultHeaders = {'x-vault-token': env.VAULT_TOKEN, 'content-type': 'application/json'}

  const readers = {
    azure: async (path) => (await kv.getSecret(path.replaceAll('/', '--'))).value,
    gcp: async (path) => {
      const [version] = await gsm.accessSecretVersion({name: `projects/${gcp.project}/secrets/${path.replaceAll('/', '__')}/versions/latest`})
      return Buffer.from(version.payload.data).toString('utf8')
    },
    vault: async (path) => (await (await fetch(vaultUrl(path), {headers: vaultHeaders})).json()).data.data.value,
  }
  const writers = {
    azure: (path, value) => kv.setSecret(path.replaceAll('/', '--'), value),
    gcp: (path, value) => gsm.addSecretVersion({parent: `projects/${gcp.project}/secrets/${path.replaceAll('/', '__')}`, payload: {data: Buffer.from(value)}}),
    vault: (path, value) => fetch(vaultUrl(path), {method: 'POST', headers: vaultHeaders, body: JSON.stringify({data: {value}})}),
  }
  let written = 0
  for (const secret of config.secrets) {
    const [primary, ...others] = secret.targets
    const out = await sm.send(new GetSecretValueCommand({SecretId: primary.path}))
    for (const target of others) {
      const type = config.stores[target.store].type
      let current
      try {
        current = await readers[type](target.path)
      } catch {
        current = undefined
      }
      if (current !== out.SecretString) {
        await writers[type](target.path, out.SecretString)
        written++
      }
    }
  }
  sm.destroy()
  await gsm.close()
  return {written}
}
