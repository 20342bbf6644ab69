/**
 * A deleted secret keeps its name in Key Vault for the soft-delete retention (7-90 days): SetSecret
 * answers 409 ObjectIsDeletedButRecoverable until it is recovered or purged (external-secrets#3519,
 * #2830). rotor recovers a secret it owned, with every version, and writes on top of it; it never
 * purges, and it leaves another tool's deleted secret alone.
 */
import {NotOwnedError, UnavailableError} from '../../src/errors/index.js'
import type {AzureStoreClient, Listed} from './client.js'
import {recoverHint} from './errors.js'
import {splitTags} from './mapping.js'

export async function recoverSoftDeleted(client: AzureStoreClient, path: string): Promise<Listed> {
  const name = client.nameOf(path)
  const deleted = await client.call('GetDeletedSecret', path, () => client.sdk.getDeletedSecret(name))
  if (!splitTags(deleted.properties.tags).owned) {
    throw new NotOwnedError(`${client.ref(path)} is soft-deleted and was not managed by rotor, so rotor will not recover it`, {
      ...client.about(path),
      hint: recoverHint(name),
    })
  }
  await client.call('RecoverDeletedSecret', path, async () => {
    const poller = await client.sdk.beginRecoverDeletedSecret(name, {intervalInMs: client.settings.pollIntervalMs})
    await poller.pollUntilDone()
  })
  const listed = await client.listVersions(path)
  if (!listed) {
    throw new UnavailableError(`${client.ref(path)} was recovered but its versions are not visible yet`, {
      ...client.about(path),
      hint: 'Key Vault finishes a recover in the background; the next attempt continues',
    })
  }
  return listed
}
