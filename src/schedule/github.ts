/**
 * A GitHub Actions workflow. Hosted runners start empty, so a file-store primary needs a
 * self-hosted runner with a directory that survives (`stateDir`); clouds are reached with OIDC
 * federation steps whose names and roles the user fills in as repository variables.
 */
import {posix} from 'node:path'
import type {ManifestOptions} from './runner.js'

/** One login step per cloud, short-lived credentials through the job's OIDC token. */
const CREDENTIAL_STEPS: Record<string, string> = {
  aws: `      # AWS: an IAM role trusting token.actions.githubusercontent.com for this repository.
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: \${{ vars.ROTOR_AWS_ROLE_ARN }}   # arn:aws:iam::123456789012:role/rotor
          aws-region: \${{ vars.ROTOR_AWS_REGION }}`,
  gcp: `      # GCP: workload identity federation (a pool with a GitHub provider, and a service account it may impersonate).
      - uses: google-github-actions/auth@v2
        with:
          workload_identity_provider: \${{ vars.ROTOR_GCP_WORKLOAD_IDENTITY_PROVIDER }}   # projects/NUM/locations/global/workloadIdentityPools/POOL/providers/github
          service_account: \${{ vars.ROTOR_GCP_SERVICE_ACCOUNT }}   # rotor@PROJECT.iam.gserviceaccount.com`,
  azure: `      # Azure: an app registration with a federated credential for this repository (no client secret).
      - uses: azure/login@v2
        with:
          client-id: \${{ vars.ROTOR_AZURE_CLIENT_ID }}
          tenant-id: \${{ vars.ROTOR_AZURE_TENANT_ID }}
          subscription-id: \${{ vars.ROTOR_AZURE_SUBSCRIPTION_ID }}`,
  vault: `      # Vault: the JWT auth method bound to GitHub's OIDC issuer; exports VAULT_TOKEN for rotor.
      - uses: hashicorp/vault-action@v3
        with:
          url: \${{ vars.ROTOR_VAULT_ADDR }}
          method: jwt
          role: \${{ vars.ROTOR_VAULT_ROLE }}   # a role with bound_audiences and bound_claims for this repository
          exportToken: true`,
}

export interface WorkflowOptions extends ManifestOptions {
  /** Config path relative to the repository root (the directory the command ran in). */
  repoConfig: string
}

export function githubWorkflow(o: WorkflowOptions): string {
  const credentialSteps = o.storeKinds.flatMap((kind) => (CREDENTIAL_STEPS[kind] ? [CREDENTIAL_STEPS[kind]] : []))
  const env = o.hasFileStore ? '\n        env:\n          ROTOR_FILE_KEY: ${{ secrets.ROTOR_FILE_KEY }}' : ''
  const config = o.stateDir ? posix.join(o.stateDir, 'rotor.yaml') : o.repoConfig
  const copy = o.stateDir
    ? `      # The store file and audit log stay in ${o.stateDir} on this runner; the config comes from the repository.
      - run: install -D -m 0644 ${o.repoConfig} ${config}
`
    : ''
  const keepLog = o.stateDir
    ? ''
    : `      # A hosted runner starts empty: keep each run's audit log as an artifact.
      - uses: actions/upload-artifact@v4
        if: always()
        with:
          name: rotor-audit-\${{ github.run_id }}
          path: ${posix.join(posix.dirname(o.repoConfig), '.rotor', 'audit.log')}
          if-no-files-found: ignore
`
  return `name: rotor apply
on:
  schedule:
    - cron: "${o.cadence.cron}"
  workflow_dispatch: {}
# One run at a time; a new run waits instead of overlapping.
concurrency:
  group: ${o.name}
  cancel-in-progress: false
permissions:
  contents: read
  id-token: write   # OIDC federation to your clouds
jobs:
  apply:
    runs-on: ${o.stateDir ? '[self-hosted]' : 'ubuntu-latest'}
    timeout-minutes: ${Math.max(10, o.cadence.everyMinutes * 2)}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-node@v4
        with:
          node-version: 20
      # Install rotor the way you ship it (a git URL, a tarball, an internal registry), set as the
      # repository variable ROTOR_PACKAGE. Never \`npx rotor\`: that could fetch another package.
      - run: npm install --global "$ROTOR_PACKAGE"
        env:
          ROTOR_PACKAGE: \${{ vars.ROTOR_PACKAGE }}
${credentialSteps.map((s) => `${s}\n`).join('')}${copy}      - run: rotor apply --yes --json --config ${config}${env}
${keepLog}`
}
