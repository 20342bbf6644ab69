/**
 * A Kubernetes ConfigMap (rotor.yaml) and CronJob. The config directory is a volume: a
 * PersistentVolumeClaim when one is named, which a file-store primary requires (each Job starts
 * from a fresh container, so an emptyDir store would be empty at every run), else an emptyDir.
 * Keys and credentials come from Secrets that are not optional: a Job without them must fail at
 * start, not run against an empty or unauthenticated store.
 */
import {stringify} from 'yaml'
import type {ManifestOptions} from './runner.js'

const STATE_DIR = '/var/lib/rotor'

export function kubernetesManifests(o: ManifestOptions & {image: string}): string {
  const configMap = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: `${o.name}-config`}, data: {'rotor.yaml': o.configText}}
  const env: object[] = [{name: 'ROTOR_HOME', value: '/tmp/rotor-home'}]
  if (o.hasFileStore) env.push({name: 'ROTOR_FILE_KEY', valueFrom: {secretKeyRef: {name: `${o.name}-file-key`, key: 'ROTOR_FILE_KEY'}}})
  // A stable audit key only with a log that survives: a fresh log under an old key fails the anchor check.
  if (o.volumeClaim) env.push({name: 'ROTOR_AUDIT_KEY', valueFrom: {secretKeyRef: {name: `${o.name}-audit-key`, key: 'ROTOR_AUDIT_KEY'}}})
  const clouds = o.storeKinds.filter((k) => k !== 'file' && k !== 'memory')
  const container = {
    name: 'rotor',
    image: o.image,
    args: ['apply', '--yes', '--json', '--config', `${STATE_DIR}/rotor.yaml`],
    workingDir: STATE_DIR,
    env,
    ...(clouds.length > 0 ? {envFrom: [{secretRef: {name: `${o.name}-credentials`}}]} : {}),
    volumeMounts: [
      {name: 'state', mountPath: STATE_DIR},
      {name: 'config', mountPath: `${STATE_DIR}/rotor.yaml`, subPath: 'rotor.yaml', readOnly: true},
    ],
  }
  const cronJob = {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: {name: o.name},
    spec: {
      schedule: o.cadence.cron,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: Math.max(60, (o.cadence.everyMinutes * 60) / 2),
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 5,
      jobTemplate: {
        spec: {
          backoffLimit: 0,
          template: {
            spec: {
              restartPolicy: 'Never',
              serviceAccountName: o.name,
              containers: [container],
              volumes: [
                {name: 'config', configMap: {name: `${o.name}-config`}},
                o.volumeClaim ? {name: 'state', persistentVolumeClaim: {claimName: o.volumeClaim}} : {name: 'state', emptyDir: {}},
              ],
            },
          },
        },
      },
    },
  }
  const secrets = [
    ...(o.hasFileStore ? [`kubectl create secret generic ${o.name}-file-key --from-literal=ROTOR_FILE_KEY="$ROTOR_FILE_KEY"`] : []),
    ...(o.volumeClaim ? [`kubectl create secret generic ${o.name}-audit-key --from-literal=ROTOR_AUDIT_KEY="$(openssl rand -base64 48)"`] : []),
    ...(clouds.length > 0 ? [`kubectl create secret generic ${o.name}-credentials --from-env-file=rotor-credentials.env   # ${credentialVariables(clouds)}`] : []),
  ]
  const header = [
    `# rotor apply every ${o.cadence.everyMinutes} min. Create these Secrets first (the Job will not start without them):`,
    ...secrets.map((s) => `#   ${s}`),
    ...(clouds.length > 0 ? [`# With workload identity on the service account ${o.name} instead, drop the envFrom credentials Secret.`] : []),
    o.volumeClaim
      ? `# The store file and audit log live on the PersistentVolumeClaim ${o.volumeClaim} (ReadWriteOnce is enough: runs never overlap).`
      : '# The audit log lives on an emptyDir and is lost after each run: pass --volume-claim to keep it.',
  ]
  return `${header.join('\n')}\n${stringify(configMap, {lineWidth: 0})}---\n${stringify(cronJob, {lineWidth: 0})}`
}

function credentialVariables(clouds: string[]): string {
  const byKind: Record<string, string> = {
    aws: 'AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY',
    azure: 'AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET',
    gcp: 'GOOGLE_APPLICATION_CREDENTIALS (a mounted key file) or workload identity',
    vault: 'VAULT_TOKEN',
  }
  return clouds.map((k) => byKind[k] ?? `${k} credentials`).join('; ')
}
