/**
 * GCP IAM for rotor on Secret Manager. Pure; the gcp factory's `policy`. Every binding carries an
 * IAM condition on `resource.name` that admits exactly the configured secrets and their
 * versions. The condition matches by suffix (`/secrets/<id>`) so it does not need the project
 * number that IAM puts in resource names.
 *
 * rotor's own role is custom rather than roles/secretmanager.secretVersionManager, because that
 * one also holds secretmanager.versions.destroy: destroying a version cannot be undone, so it is
 * granted by a second custom role, bound only to the secrets that say `retire: destroy`.
 */
import type {PolicyDocument, PolicyInput} from '../types.js'
import {toSecretId} from './naming.js'

/** What rotor calls on a secret it manages (see client.ts and doctor.ts), destroy aside. */
export const ROTOR_PERMISSIONS = [
  'secretmanager.secrets.create',
  'secretmanager.secrets.get',
  'secretmanager.secrets.update',
  'secretmanager.versions.add',
  'secretmanager.versions.disable',
  'secretmanager.versions.get',
  'secretmanager.versions.list',
]
export const DESTROY_PERMISSIONS = ['secretmanager.versions.destroy']
const ACCESSOR = 'roles/secretmanager.secretAccessor'

/** CEL: true for each listed secret and its versions, nothing else. */
export function secretCondition(secretIds: string[]): string {
  return secretIds
    .map((id) => `resource.name.endsWith("/secrets/${id}") || resource.name.extract("/secrets/{id}/versions/") == "${id}"`)
    .join(' || ')
}

const idsOf = (paths: string[]) => [...new Set(paths.map(toSecretId))].sort()

export function gcpPolicy(input: PolicyInput): PolicyDocument {
  const {project} = input.settings as {project: string}
  const ids = idsOf(input.paths)
  const destroyIds = idsOf(input.destroyPaths ?? []).filter((id) => ids.includes(id))
  const condition = (suffix: string, list: string[]) => ({
    title: `rotor-${input.storeName}${suffix}`,
    description: `Only the ${list.length} secret(s) of rotor store ${input.storeName}${suffix === '-destroy' ? ' that retire by destroy' : ''}`,
    expression: secretCondition(list),
  })
  const member = 'serviceAccount:ROTOR_SERVICE_ACCOUNT'
  const customRole = (roleId: string, title: string, includedPermissions: string[]) => ({roleId, title, includedPermissions, stage: 'GA'})
  const bindings = input.readOnly
    ? [{role: ACCESSOR, members: ['serviceAccount:APP_SERVICE_ACCOUNT'], condition: condition('-read', ids)}]
    : [
        {role: `projects/${project}/roles/rotorSecretRotator`, members: [member], condition: condition('', ids)},
        {role: ACCESSOR, members: [member], condition: condition('', ids)},
        ...(destroyIds.length > 0
          ? [{role: `projects/${project}/roles/rotorVersionDestroyer`, members: [member], condition: condition('-destroy', destroyIds)}]
          : []),
      ]
  const customRoles = input.readOnly
    ? []
    : [
        customRole('rotorSecretRotator', 'rotor secret rotator', ROTOR_PERMISSIONS),
        ...(destroyIds.length > 0 ? [customRole('rotorVersionDestroyer', 'rotor version destroyer', DESTROY_PERMISSIONS)] : []),
      ]
  const document = {project, bindings, ...(customRoles.length > 0 ? {customRoles} : {})}
  return {
    format: 'json',
    title: `GCP IAM bindings for store ${input.storeName} (project ${project})${input.readOnly ? ', read-only' : ''}`,
    document: JSON.stringify(document, null, 2),
    notes: [
      'replace the service account placeholders; create the custom roles (gcloud iam roles create --project), then add the bindings to the project policy (gcloud projects set-iam-policy) or one by one with --condition',
      ...(input.readOnly || destroyIds.length > 0 ? [] : ['no secret says `retire: destroy`, so secretmanager.versions.destroy is not granted']),
    ],
  }
}
