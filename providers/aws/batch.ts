/**
 * Reading many values. BatchGetSecretValue fetches the AWSCURRENT value of up to 20 secrets per
 * call and reports failures per secret (`Errors`), so one missing secret does not fail the rest.
 * It has no VersionStage parameter: other roles are read one GetSecretValue at a time.
 */
import {BatchGetSecretValueCommand} from '@aws-sdk/client-secrets-manager'
import {NotFoundError, type RotorError} from '../../src/errors/index.js'
import {type BatchReadResult, type Role, SecretValue} from '../types.js'
import type {AwsStoreClient} from './client.js'
import {chunks, mapConcurrent} from './concurrency.js'
import {translateAwsError} from './errors.js'

export const BATCH_SIZE = 20

/** One entry per requested path, in input order: a value or the error for that path. */
export interface ReadResult extends BatchReadResult {
  error?: RotorError
}

export async function readMany(
  client: AwsStoreClient,
  paths: string[],
  role: Exclude<Role, 'retired'>,
  concurrency: number,
): Promise<ReadResult[]> {
  if (role !== 'current') {
    return mapConcurrent(paths, concurrency, async (path) => {
      try {
        return {path, value: await client.readValue(path, {role})}
      } catch (error) {
        return {path, error: translateAwsError(error, {store: client.storeName, op: 'GetSecretValue', path, ref: client.ref(path)})}
      }
    })
  }
  const found = new Map<string, ReadResult>()
  for (const batch of chunks([...new Set(paths)], BATCH_SIZE)) {
    const out = await client.call('BatchGetSecretValue', undefined, () =>
      client.sdk.send(new BatchGetSecretValueCommand({SecretIdList: batch})),
    )
    for (const entry of out.SecretValues ?? []) {
      const path = batch.find((p) => p === entry.Name || p === entry.ARN)
      if (!path) continue
      found.set(
        path,
        entry.SecretString === undefined
          ? {path, error: translateAwsError({name: 'InvalidRequestException', message: 'holds a binary value; rotor manages SecretString values only'}, context(client, path))}
          : {path, value: new SecretValue(entry.SecretString), ...(entry.VersionId ? {versionId: entry.VersionId} : {})},
      )
    }
    for (const failure of out.Errors ?? []) {
      const path = batch.find((p) => p === failure.SecretId)
      if (!path) continue
      found.set(path, {path, error: translateAwsError({name: failure.ErrorCode, message: failure.Message}, context(client, path))})
    }
  }
  return paths.map(
    (path) => found.get(path) ?? {path, error: new NotFoundError(`${client.ref(path)} was not returned by BatchGetSecretValue`, {store: client.storeName, ref: client.ref(path)})},
  )
}

const context = (client: AwsStoreClient, path: string) => ({store: client.storeName, op: 'BatchGetSecretValue', path, ref: client.ref(path)})
