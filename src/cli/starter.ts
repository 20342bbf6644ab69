/** The rotor.yaml that `rotor init` writes: the file store and one example secret. */
export const STARTER_CONFIG = `# rotor configuration. Reference: README.md, or \`rotor config schema\` for editor completion.
version: 1
audit:
  path: .rotor/audit.log          # append-only, hash-chained; check with \`rotor audit verify\`

stores:
  local:
    type: file                    # the embedded default: one AES-256-GCM encrypted file
    path: .rotor/secrets.enc      # key: $ROTOR_FILE_KEY, else ~/.config/rotor/keys/ (created 0600 by the first apply)

secrets:
  example-api-key:
    description: An example key; rename it and point targets at real stores
    generator:
      length: 40                  # 40 x base62 = 238 bits of entropy
      alphabet: base62
      prefix: rk_
      checksum: crc32             # lets scanners recognise a leaked key
    schedule:
      cron: "0 3 * * 1"           # Mondays 03:00
      timezone: UTC
    maxAge: 30d                   # rotate at least this often, even if cron never fires
    grace: 24h                    # old and new value both valid this long after a rotation
    retire: disable               # or destroy
    environment: development
    targets:                      # store:path; the first is the primary
      - local:example/api-key
`

/** The example secret of a cloud starter: the same policy as the file-store starter. */
const exampleSecret = (target: string) => `secrets:
  example-api-key:
    description: An example key; rename it and point targets at real secrets
${STARTER_CONFIG.slice(STARTER_CONFIG.indexOf('    generator:'), STARTER_CONFIG.indexOf('    targets:'))}    targets:                      # store:path; the first is the primary
      - ${target}
`

const cloudStarter = (title: string, note: string, stores: string, target: string) => `# rotor configuration for ${title}. Reference: README.md, or \`rotor config schema\`.
# ${note}
version: 1
audit:
  path: .rotor/audit.log          # append-only, hash-chained; check with \`rotor audit verify\`

${stores}
${exampleSecret(target)}`

/**
 * `rotor init --store KIND`: one starter per cloud. examples/<kind>.yaml holds the same text
 * (a test keeps them equal), so users who browse the repository find them too.
 */
export const CLOUD_STARTERS = {
  aws: cloudStarter(
    'AWS Secrets Manager',
    `Existing secrets: \`rotor import --store aws --prefix myapp/\` prints entries that adopt them.`,
    `stores:
  aws:
    type: aws
    region: us-east-1             # the region that holds the secrets
    # Credentials: the AWS SDK's usual chain (AWS_PROFILE, AWS_ACCESS_KEY_ID, SSO, an instance or
    # IRSA role). rotor needs secretsmanager:Describe/Get/Put/UpdateSecretVersionStage/TagResource
    # on these secrets; \`rotor doctor\` checks each permission.
`,
    'aws:example/api-key',
  ),
  vault: cloudStarter(
    'HashiCorp Vault (KV version 2)',
    `Existing secrets: \`rotor import --store vault --prefix myapp/\` prints entries that adopt them.`,
    `stores:
  vault:
    type: vault
    address: https://vault.example.com:8200   # or leave out and set VAULT_ADDR
    mount: secret                 # the KV v2 secrets engine
    # Token: VAULT_TOKEN (or ~/.vault-token). A policy with create, read, update and list on
    # secret/data/example/* and secret/metadata/example/*; \`rotor doctor\` checks it.
`,
    'vault:example/api-key',
  ),
  azure: cloudStarter(
    'Azure Key Vault',
    `Key Vault names allow letters, digits and "-" only. Existing secrets: \`rotor import --store azure\`.`,
    `stores:
  azure:
    type: azure
    vaultUrl: https://my-vault.vault.azure.net   # your key vault
    # Credentials: DefaultAzureCredential (az login, a managed identity, or AZURE_CLIENT_ID,
    # AZURE_TENANT_ID and a federated token / client secret). Role: Key Vault Secrets Officer.
`,
    'azure:example-api-key',
  ),
  gcp: cloudStarter(
    'Google Cloud Secret Manager',
    `Secret Manager ids allow letters, digits, "-" and "_". Existing secrets: \`rotor import --store gcp\`.`,
    `stores:
  gcp:
    type: gcp
    project: my-project-123       # the project that holds the secrets
    # Credentials: Application Default Credentials (gcloud auth application-default login, a
    # service account, workload identity). Role: roles/secretmanager.admin on the secrets.
`,
    'gcp:example-api-key',
  ),
} as const

export type StarterStore = keyof typeof CLOUD_STARTERS
