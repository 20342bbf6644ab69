/**
 * The aws-iam issuer's client, through @aws-sdk/client-iam and @aws-sdk/client-sts. Loaded only by
 * `awsIamIssuerFactory.create`. The SDK does not retry (`maxAttempts: 1`): rotor's one retry helper
 * does, driven by the translated errors, so every method here must be safe to call again.
 *
 * CreateAccessKey is not idempotent (it takes no client token) and its answer is the only time
 * the secret is visible. Should a call create the key and its answer be lost (a reset connection,
 * a timeout), a blind retry would mint a second key (a third one with the kept key; IAM refuses
 * that with LimitExceeded, or, worse, takes it when a slot is free) and leave one nobody can use.
 * So `issue` lists the user's keys before CreateAccessKey and remembers that list under the
 * rotation id; a retried `issue` of the same rotation that finds a key that was not there, is not
 * kept and was created after the lost call began, knows that key is the lost call's orphan: its
 * secret was never seen, so it deletes it and mints again. Across processes (a kill after the
 * call), the engine's recovery does the same from the recorded intent time (ISSUERS.md, step 6).
 */
import {CreateAccessKeyCommand, DeleteAccessKeyCommand, IAMClient, ListAccessKeysCommand, UpdateAccessKeyCommand} from '@aws-sdk/client-iam'
import {GetCallerIdentityCommand, STSClient} from '@aws-sdk/client-sts'
import {AuthError, ConflictError, isNotFound, isRotorError, NotFoundError, type RotorError, UnavailableError} from '../../../src/errors/index.js'
import {awsSdkConfig} from '../../aws/sdk-config.js'
import {type DoctorCheck, SecretValue} from '../../types.js'
import type {IssueRequest, Issued, IssuerClient, IssuerContext, IssuerCredential} from '../types.js'
import {sdkErrorName, translateIamError} from './errors.js'
import {type AwsIamBinding, type AwsIamSettings, awsIamCapabilities} from './factory.js'

/** A key that does not exist, for the permission probes (IAM authorises before it looks). */
const PROBE_KEY_ID = 'AKIAROTORDOCTORPROBE'
/** How long a freshly minted key may be refused by STS before that is a real refusal (IAM is eventually consistent). */
const PROPAGATION_MS = 60_000

interface PendingCreate {
  /**
   * Key ids the user had before the CreateAccessKey whose answer may be lost: a key not among
   * them (nor held by a store) was made since, by that call. No clock is needed: a key older than
   * the listing is in it.
   */
  before: Set<string>
}

export class AwsIamIssuerClient implements IssuerClient {
  readonly capabilities = awsIamCapabilities
  readonly iam: IAMClient
  private readonly pending = new Map<string, PendingCreate>()
  /** Keys this client minted (time) and revoked, for telling "not visible yet" from "refused". */
  private readonly minted = new Map<string, number>()
  private readonly revoked = new Set<string>()

  constructor(
    readonly issuerName: string,
    readonly settings: AwsIamSettings,
    readonly binding: AwsIamBinding,
    private readonly context: IssuerContext,
  ) {
    this.iam = new IAMClient(awsSdkConfig(settings, context.env))
  }

  private async call<T>(op: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run()
    } catch (error) {
      throw translateIamError(error, {issuer: this.issuerName, op, user: this.binding.user})
    }
  }

  nextId(): string | undefined {
    return undefined
  }

  async list(): Promise<IssuerCredential[]> {
    const credentials: IssuerCredential[] = []
    let marker: string | undefined
    do {
      const page = await this.call('ListAccessKeys', () => this.iam.send(new ListAccessKeysCommand({UserName: this.binding.user, ...(marker ? {Marker: marker} : {})})))
      for (const key of page.AccessKeyMetadata ?? []) {
        if (!key.AccessKeyId) continue
        credentials.push({id: key.AccessKeyId, state: key.Status === 'Active' ? 'active' : 'inactive', ...(key.CreateDate ? {createdAt: key.CreateDate} : {})})
      }
      marker = page.IsTruncated ? page.Marker : undefined
    } while (marker)
    return credentials
  }

  async issue(request: IssueRequest): Promise<Issued> {
    let keys = await this.list()
    const pending = this.pending.get(request.rotationId)
    if (pending) {
      const orphans = keys.filter((k) => !pending.before.has(k.id) && !request.keep.includes(k.id))
      for (const orphan of orphans) {
        this.context.warn?.(
          `issuer ${this.issuerName}: deleting access key ${orphan.id} of IAM user ${this.binding.user}: an earlier CreateAccessKey of this rotation made it, but its answer (the only copy of the secret) was lost`,
        )
        await this.revoke(orphan.id, 'delete')
      }
      if (orphans.length > 0) keys = keys.filter((k) => !orphans.includes(k))
    }
    if (keys.length >= 2) throw this.full(keys, request.keep)
    this.pending.set(request.rotationId, {before: new Set(keys.map((k) => k.id))})
    const out = await this.call('CreateAccessKey', () => this.iam.send(new CreateAccessKeyCommand({UserName: this.binding.user})))
    this.pending.delete(request.rotationId)
    const key = out.AccessKey
    if (!key?.AccessKeyId || !key.SecretAccessKey) {
      throw new UnavailableError(`issuer ${this.issuerName}: CreateAccessKey for IAM user ${this.binding.user} answered without a key`, {ref: this.issuerName, retryable: false})
    }
    this.minted.set(key.AccessKeyId, this.context.now().getTime())
    return {id: key.AccessKeyId, value: SecretValue.fromFields({accessKeyId: key.AccessKeyId, secretAccessKey: key.SecretAccessKey})}
  }

  /** Two keys already: a third cannot be minted without deleting one, which is not the issuer's call. */
  private full(keys: IssuerCredential[], keep: string[]): ConflictError {
    const describe = (k: IssuerCredential) => `${k.id} (${k.state}${k.createdAt ? `, created ${k.createdAt.toISOString()}` : ''})`
    const foreign = keys.filter((k) => !keep.includes(k.id))
    const user = this.binding.user
    const message = `issuer ${this.issuerName}: IAM user ${user} already has two access keys, ${keys.map(describe).join(' and ')}; IAM allows no third`
    if (foreign.length === 0) {
      return new ConflictError(`${message}, and rotor holds both (current and previous, still in grace)`, {
        ref: this.issuerName,
        hint: 'the next rotation waits until the previous key is revoked at the end of its grace window',
      })
    }
    const owns = foreign.length === keys.length ? 'rotor holds neither in a store' : `rotor holds only ${keys.find((k) => keep.includes(k.id))!.id}`
    return new ConflictError(`${message}: ${owns}`, {
      ref: this.issuerName,
      hint: `delete (or, if it is still in use somewhere, deactivate and then delete) the key rotor does not hold: aws iam delete-access-key --user-name ${user} --access-key-id ${foreign[0].id}; then run again`,
    })
  }

  async check(value: SecretValue): Promise<void> {
    const fields = value.fields()
    const accessKeyId = fields?.accessKeyId
    const secretAccessKey = fields?.secretAccessKey
    if (!accessKeyId || !secretAccessKey) {
      throw new AuthError(`issuer ${this.issuerName}: the value is not an access key (a JSON object with accessKeyId and secretAccessKey)`, {ref: this.issuerName})
    }
    // Signed with the key under test only: never the chain's credentials, never a profile.
    const sts = new STSClient({
      region: this.settings.region,
      maxAttempts: 1,
      ...(this.settings.endpoint ? {endpoint: this.settings.endpoint} : {}),
      credentials: {accessKeyId, secretAccessKey},
      requestHandler: {connectionTimeout: 5_000, requestTimeout: 30_000},
    })
    try {
      const identity = await sts.send(new GetCallerIdentityCommand({}))
      const arn = identity.Arn ?? ''
      if (!arn.endsWith(`:user/${this.binding.user}`) && !arn.endsWith(`/${this.binding.user}`)) {
        throw new AuthError(`issuer ${this.issuerName}: access key ${accessKeyId} authenticates as ${arn || 'an unknown identity'}, not as IAM user ${this.binding.user}`, {
          ref: this.issuerName,
        })
      }
    } catch (error) {
      if (isRotorError(error)) throw error
      const translated = translateIamError(error, {issuer: this.issuerName, op: 'sts:GetCallerIdentity', user: this.binding.user})
      // An unknown key id right after CreateAccessKey is IAM still propagating it; a wrong
      // signature means the key is known and the secret is wrong: refused at once.
      if (sdkErrorName(error) === 'InvalidClientTokenId' && this.recentlyMinted(accessKeyId)) {
        throw new UnavailableError(`issuer ${this.issuerName}: access key ${accessKeyId} is not accepted yet (IAM is eventually consistent; a new key takes seconds to work)`, {
          ref: this.issuerName,
          cause: error,
        })
      }
      if (translated instanceof AuthError) {
        throw new AuthError(`issuer ${this.issuerName}: access key ${accessKeyId} of IAM user ${this.binding.user} is refused: ${sdkErrorName(error) ?? translated.message}`, {
          ref: this.issuerName,
          cause: error,
        })
      }
      throw translated
    } finally {
      sts.destroy()
    }
  }

  private recentlyMinted(id: string): boolean {
    const at = this.minted.get(id)
    return at !== undefined && !this.revoked.has(id) && this.context.now().getTime() - at < PROPAGATION_MS
  }

  async revoke(id: string, mode: 'deactivate' | 'delete'): Promise<void> {
    this.revoked.add(id)
    try {
      if (mode === 'deactivate') {
        await this.call('UpdateAccessKey', () => this.iam.send(new UpdateAccessKeyCommand({UserName: this.binding.user, AccessKeyId: id, Status: 'Inactive'})))
      } else {
        await this.call('DeleteAccessKey', () => this.iam.send(new DeleteAccessKeyCommand({UserName: this.binding.user, AccessKeyId: id})))
      }
    } catch (error) {
      // Already deleted (or never this user's): revoked either way.
      if (!isNotFound(error)) throw error
    }
  }

  async reactivate(id: string): Promise<void> {
    try {
      await this.call('UpdateAccessKey', () => this.iam.send(new UpdateAccessKeyCommand({UserName: this.binding.user, AccessKeyId: id, Status: 'Active'})))
      this.revoked.delete(id)
    } catch (error) {
      if (!isNotFound(error)) throw error
      throw new NotFoundError(`issuer ${this.issuerName}: access key ${id} of IAM user ${this.binding.user} is deleted and cannot be reactivated`, {
        ref: this.issuerName,
        cause: error,
      })
    }
  }

  credentialId(value: SecretValue): string {
    const id = value.fields()?.accessKeyId
    if (!id) throw new AuthError(`issuer ${this.issuerName}: the value has no accessKeyId field`, {ref: this.issuerName})
    return id
  }

  /**
   * Reach IAM and list the user's keys (iam:ListAccessKeys); UpdateAccessKey and DeleteAccessKey
   * are probed on a key id that does not exist: IAM authorises before it looks, so AccessDenied
   * means missing and NoSuchEntity means allowed, and nothing changes. iam:CreateAccessKey cannot
   * be proven without creating a key; `rotor policy` lists it.
   */
  async doctor(): Promise<DoctorCheck[]> {
    const user = this.binding.user
    const where = this.settings.endpoint ?? `IAM (${this.settings.region})`
    const checks: DoctorCheck[] = []
    try {
      const keys = await this.list()
      checks.push({check: `reach ${where} with these credentials`, ok: true}, {
        check: `iam:ListAccessKeys on user ${user}`,
        ok: true,
        detail: `${keys.length} of 2 access keys: ${keys.map((k) => `${k.id} ${k.state}`).join(', ') || 'none'}`,
      })
    } catch (error) {
      const e = error as RotorError
      if (isNotFound(error)) return [{check: `IAM user ${user} exists`, ok: false, detail: e.message, hint: `create the IAM user ${user}, or fix the secret's issuer.user`}]
      if (!(e instanceof AuthError) || !/access denied/.test(e.message)) return [{check: `reach ${where} with these credentials`, ok: false, detail: e.message, ...(e.hint ? {hint: e.hint} : {})}]
      checks.push({check: `reach ${where} with these credentials`, ok: true}, {check: `iam:ListAccessKeys on user ${user}`, ok: false, detail: e.message, ...(e.hint ? {hint: e.hint} : {})})
    }
    const probes: Array<[string, () => Promise<unknown>]> = [
      ['UpdateAccessKey', () => this.iam.send(new UpdateAccessKeyCommand({UserName: user, AccessKeyId: PROBE_KEY_ID, Status: 'Inactive'}))],
      ['DeleteAccessKey', () => this.iam.send(new DeleteAccessKeyCommand({UserName: user, AccessKeyId: PROBE_KEY_ID}))],
    ]
    for (const [op, run] of probes) {
      const check = `iam:${op} on user ${user}`
      try {
        await this.call(op, run)
        checks.push({check, ok: true})
      } catch (error) {
        const e = error as RotorError
        checks.push(isNotFound(error) ? {check, ok: true} : {check, ok: false, detail: e.message, ...(e.hint ? {hint: e.hint} : {})})
      }
    }
    return checks
  }

  async close(): Promise<void> {
    this.iam.destroy()
  }
}
