/**
 * GCP IAM for rotor on Secret Manager. Pure, to be attached to the gcp factory as `policy`.
 * Predefined roles with an IAM condition on `resource.name` that admits exactly the configured
 * secrets and their versions. The condition matches by suffix (`/secrets/<id>`) so it does not
 * need the project number that IAM puts in resource names. secretVersionManager and
 * secretAccessor cannot create a secret or move its aliases: a small custom role adds
 * `secretmanager.secrets.create` and `secretmanager.secrets.update`.
 */
import {toSecretId} from './naming.js'
import type {PolicyDocument, PolicyInput} from '../types.js'

export const ROTOR_EXTRA_PERMISSIONS = ['secretmanager.secrets.create', 'secretmanager.secrets.get', 'secretmanager.secrets.update']

/** CEL: true for each listed secret and its versions, nothing else. */
export function secretCondition(secretIds: string[]): string {
  return secretIds
    .map((id) => `resource.name.endsWith("/secrets/${id}") || resource.name.extract("/secrets/{id}/versions/") == "${id}"`)
    .join(' || ')
}

export function gcpPolicy(input: PolicyInput): PolicyDocument {
  const {project} = input.settings as {project: string}
  const ids = [...new Set(input.paths.map(toSecretId))].sort()
  const condition = {
    title: `rotor-${input.storeName}${input.readOnly ? '-read' : ''}`,
    description: `Only the ${ids.length} secret(s) of rotor store ${input.storeName}`,
    expression: secretCondition(ids),
  }
  const member = 'serviceAccount:ROTOR_SERVICE_ACCOUNT'
  const bindings = input.readOnly
    ? [{role: 'roles/secretmanager.secretAccessor', members: ['serviceAccount:APP_SERVICE_ACCOUNT'], condition}]
    : [
        {role: 'roles/secretmanager.secretVersionManager', members: [member], condition},
        {role: 'roles/secretmanager.secretAccessor', members: [member], condition},
        {role: `projects/${project}/roles/rotorSecretWriter`, members: [member], condition},
      ]
  const document = {
    project,
    bindings,
    ...(input.readOnly
      ? {}
      : {customRoles: [{roleId: 'rotorSecretWriter', title: 'rotor secret writer', includedPermissions: ROTOR_EXTRA_PERMISSIONS, stage: 'GA'}]}),
  }
  return {
    format: 'json',
    title: `GCP IAM bindings for store ${input.storeName} (project ${project})${input.readOnly ? ', read-only' : ''}`,
    document: JSON.stringify(document, null, 2),
    notes: [
      'replace the service account placeholders; add the bindings to the project policy (gcloud projects set-iam-policy) or one by one with --condition',
      ...(input.readOnly ? [] : ['secretmanager.versions.destroy (in secretVersionManager) is only used with `retire: destroy`']),
    ],
  }
}
