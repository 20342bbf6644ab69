/**
 * writeVersion on Secret Manager. AddSecretVersion has no precondition and no request token, so
 * idempotency and the compare-and-swap come from the secret's annotations and etag:
 *   a. record the intent, `rotor.inflight = <rotationId>@<newest version>` (UpdateSecret with
 *      the etag: fails if another writer changed the secret since it was read);
 *   b. AddSecretVersion;
 *   c. move the aliases and record `rotor.rotation.<version> = <rotationId>` in one UpdateSecret
 *      with the etag, removing the intent.
 * A retry finds its version by the rotation annotation (after c) or, after a lost answer to b,
 * among the versions newer than the recorded one by comparing values. A new secret gets its
 * intent in CreateSecret itself.
 */
import {ConflictError, InvalidRequestError} from '../../src/errors/index.js'
import type {SecretValue, VersionInfo, WriteOptions} from '../types.js'
import type {GcpStoreClient} from './client.js'
import {Code, grpcCode} from './errors.js'
import {
  aliasesOf,
  CURRENT,
  currentOf,
  INFLIGHT,
  inflightOf,
  isEnabled,
  newestEnabled,
  PENDING,
  pruneRotations,
  rotationKey,
  sanitizeLabels,
  type Secret,
  type SecretVersion,
  toDate,
  versionInfo,
  versionOfRotation,
  withMeta,
} from './mapping.js'
import {parentOf, toSecretId, versionNumberOf} from './naming.js'
import {CALL} from './sdk.js'

export async function writeVersion(client: GcpStoreClient, path: string, value: SecretValue, options: WriteOptions): Promise<VersionInfo> {
  const about = client.about(path)
  if (Buffer.byteLength(value.reveal()) > client.capabilities.maxValueBytes) {
    throw new InvalidRequestError(`${client.ref(path)}: the value is larger than Secret Manager's 65536 bytes`, about)
  }
  if (options.stage === 'pending' && !client.capabilities.pendingStage) {
    throw new InvalidRequestError(`${client.ref(path)}: aliasMode at-promotion has no pending stage`, {
      ...about,
      hint: 'write with stage `current`, or set `aliasMode: staged`',
    })
  }
  let secret = await client.getSecret(path)
  if (!secret) {
    if (options.expectedCurrent !== undefined) {
      throw new ConflictError(`${client.ref(path)} was expected to exist with current version ${options.expectedCurrent}`, about)
    }
    if (options.stage === 'pending') {
      throw new InvalidRequestError(`${client.ref(path)} does not exist yet: a new secret's first version is always current`, {
        ...about,
        hint: 'create the secret with stage `current`',
      })
    }
    secret = (await createSecret(client, path, options)) ?? (await client.requireSecret(path))
  }

  const written = versionOfRotation(secret, options.rotationId)
  if (written !== undefined) return sameRotation(client, path, secret, written, value, options)

  let versions = await client.listVersions(path)
  const inflight = inflightOf(secret)
  // A retry after a lost AddSecretVersion answer: our version is there, just not recorded yet.
  let number = inflight?.rotationId === options.rotationId ? await findOwnVersion(client, path, versions, inflight.base, value) : undefined
  client.requireOwned(path, secret)
  checkExpected(client, path, secret, versions, options.expectedCurrent, number)

  let createdAt = client.context.now()
  if (number === undefined) {
    if (inflight?.rotationId !== options.rotationId) {
      const base = Math.max(0, ...versions.map((v) => versionNumberOf(v.name)))
      secret = await client.casUpdate(path, secret, async (fresh) => {
        if (fresh !== secret) checkExpected(client, path, fresh, (versions = await client.listVersions(path)), options.expectedCurrent)
        return {patch: {annotations: {...fresh.annotations, [INFLIGHT]: `${options.rotationId}@${base}`}}, mask: ['annotations']}
      })
    }
    const [added] = await client.call('AddSecretVersion', path, () =>
      client.sdk.addSecretVersion({parent: client.secretName(path), payload: {data: Buffer.from(value.reveal(), 'utf8')}}, CALL),
    )
    number = versionNumberOf(added.name)
    createdAt = toDate(added.createTime as Parameters<typeof toDate>[0])
  }

  const mine = number
  let supersededPending: number | undefined
  try {
    secret = await client.casUpdate(path, secret, async (fresh) => {
      if (fresh !== secret) {
        if (versionOfRotation(fresh, options.rotationId) === mine) return undefined
        checkExpected(client, path, fresh, (versions = await client.listVersions(path)), options.expectedCurrent, mine)
      }
      const aliases = aliasesOf(fresh)
      const current = currentOf(fresh, versions, mine)
      const next: Record<string, number> = {...aliases}
      if (options.stage === 'pending') {
        // Like AWSPENDING, the alias moves: an abandoned pending version is superseded (and disabled below).
        supersededPending = aliases[PENDING] !== undefined && aliases[PENDING] !== mine ? aliases[PENDING] : undefined
        next[PENDING] = mine
        if (current !== undefined) next[CURRENT] = current
      } else {
        next[CURRENT] = mine
        if (current !== undefined && current !== mine) next.previous = current
      }
      const annotations = withMeta({...fresh.annotations, [rotationKey(mine)]: options.rotationId}, options.meta)
      if (inflightOf(fresh)?.rotationId === options.rotationId) delete annotations[INFLIGHT]
      return {patch: {versionAliases: next, annotations: pruneRotations(annotations, next)}, mask: ['version_aliases', 'annotations']}
    })
  } catch (error) {
    // Lost the race after adding: the new version must not stay the enabled `latest`.
    if (error instanceof ConflictError) await client.disableQuietly(path, mine)
    throw error
  }
  if (supersededPending !== undefined) await client.disableQuietly(path, supersededPending)
  return {id: String(mine), createdAt, role: options.stage, enabled: true, destroyed: false, rotationId: options.rotationId}
}

/** CreateSecret with the ownership label and the write's intent; undefined when it exists already. */
async function createSecret(client: GcpStoreClient, path: string, options: WriteOptions): Promise<Secret | undefined> {
  const global = client.where.location === 'global'
  try {
    const [created] = await client.call('CreateSecret', path, () =>
      client.sdk.createSecret(
        {
          parent: parentOf(client.where),
          secretId: toSecretId(path),
          secret: {
            labels: sanitizeLabels(options.labels),
            annotations: withMeta({[INFLIGHT]: `${options.rotationId}@0`}, options.meta),
            // Regional secrets live in their location and take no replication policy.
            ...(global ? {replication: {automatic: {}}} : {}),
          },
        },
        CALL,
      ),
    )
    return created
  } catch (error) {
    if (grpcCode(error) === Code.ALREADY_EXISTS) return undefined
    throw error
  }
}

/** The same rotation wrote here before: a no-op when the value matches, else a conflict. */
async function sameRotation(client: GcpStoreClient, path: string, secret: Secret, number: number, value: SecretValue, options: WriteOptions) {
  const versions = await client.listVersions(path)
  const version = versions.find((v) => versionNumberOf(v.name) === number)
  const conflict = (why: string) =>
    new ConflictError(`${client.ref(path)} already has ${why} for rotation ${options.rotationId} (version ${number})`, client.about(path))
  if (!version || !isEnabled(version)) throw conflict('a retired version')
  const stored = await client.access(path, number, `version ${number}`)
  if (!stored.equals(value)) throw conflict('a different value')
  return versionInfo(secret, versions, version)
}

async function findOwnVersion(client: GcpStoreClient, path: string, versions: SecretVersion[], base: number, value: SecretValue) {
  const candidates = versions
    .filter((v) => isEnabled(v) && versionNumberOf(v.name) > base)
    .map((v) => versionNumberOf(v.name))
    .sort((a, b) => a - b)
  for (const number of candidates) {
    if ((await client.access(path, number, `version ${number}`)).equals(value)) return number
  }
  return undefined
}

function checkExpected(client: GcpStoreClient, path: string, secret: Secret, versions: SecretVersion[], expected: string | undefined, exclude?: number) {
  const current = currentOf(secret, versions, exclude)
  if ((current === undefined ? undefined : String(current)) === expected) return
  // `exclude` is this write's own version, added by an earlier attempt that never set the aliases.
  // Without a `current` alias, whoever read the secret since saw that version as current (the
  // newest enabled one): expecting it is expecting this very write, not a sign of another writer.
  if (exclude !== undefined && aliasesOf(secret)[CURRENT] === undefined && expected === String(exclude) && newestEnabled(versions) === exclude) return
  throw client.moved(path, current, expected)
}
