import {Flags} from '@oclif/core'
import ansis from 'ansis'
import {BaseCommand} from '../src/cli/base-command.js'
import {UsageError} from '../src/errors/index.js'
import {selectFlag} from '../src/cli/flags.js'
import {storePolicies} from '../src/policy/index.js'
import {selectSecrets} from '../src/run/select.js'
import type {StorePolicy} from '../src/policy/index.js'
import {issuerPolicies, type IssuerPolicy} from '../src/run/issuers.js'

/** `rotor policy --json`. */
export interface PolicyResult {
  readOnly: boolean
  stores: StorePolicy[]
  /** What each issuer needs (SQL grants, IAM JSON); absent when no selected secret has an issuer. */
  issuers?: IssuerPolicy[]
}

export default class Policy extends BaseCommand<typeof Policy, PolicyResult> {
  static override summary = 'Print the least-privilege access rotor needs for exactly the configured secrets.'
  static override description = `One document per store: an AWS IAM policy (JSON) scoped to the secrets' ARNs, a Vault policy (HCL) for the exact KV v2 paths, Azure role assignments at the scope of each secret, GCP IAM bindings with conditions (destroy permissions only for secrets with \`retire: destroy\`), or guidance for the file store. --read-only prints what an application that only reads the current and previous values needs (on AWS, GetSecretValue only by stage AWSCURRENT or AWSPREVIOUS). Reads no store and needs no credentials.`

  static override examples = [
    '<%= config.bin %> policy',
    '<%= config.bin %> policy --store prod-aws > rotor-policy.json',
    '<%= config.bin %> policy --store vault --read-only --select env:production',
  ]

  static override flags = {
    store: Flags.string({summary: 'Only this store; the document alone is printed, ready to save.'}),
    issuer: Flags.string({summary: 'Only this issuer (what rotor needs there: SQL grants, IAM JSON); the document alone is printed.'}),
    'read-only': Flags.boolean({summary: 'What applications that read the secrets need, instead of what rotor needs.', default: false}),
    select: selectFlag,
  }

  async run(): Promise<PolicyResult> {
    const config = await this.loadConfig()
    const secrets = selectSecrets(config, this.flags.select)
    const only = this.flags.issuer
    const policies = only ? [] : await storePolicies(config, secrets, {store: this.flags.store, readOnly: this.flags['read-only']})
    const issuers = this.flags.store || this.flags['read-only'] ? [] : await issuerPolicies(config, secrets, only)
    if (only && issuers.length === 0) {
      throw new UsageError(`--issuer: no selected secret uses an issuer named "${only}"`, {hint: `issuers: ${Object.keys(config.issuers ?? {}).join(', ') || '(none)'}`})
    }
    if (!this.jsonEnabled()) {
      for (const entry of issuers) {
        if (only) {
          if (entry.policy) this.log(entry.policy.document.trimEnd())
          for (const note of [...(entry.policy?.notes ?? []), ...(entry.detail ? [entry.detail] : [])]) this.note(`note: ${note}`)
          continue
        }
        this.log(ansis.bold(entry.policy?.title ?? `issuer ${entry.issuer} (${entry.type})`))
        if (entry.policy) this.log(entry.policy.document.trimEnd())
        for (const note of [...(entry.policy?.notes ?? []), ...(entry.detail ? [entry.detail] : [])]) this.log(ansis.dim(`# ${note}`))
        this.log('')
      }
      for (const entry of policies) {
        const notes = [...(entry.policy?.notes ?? []), ...(entry.detail ? [entry.detail] : [])]
        if (this.flags.store) {
          // Just the document on stdout, so it can be redirected to a file as it is.
          if (entry.policy) this.log(entry.policy.document.trimEnd())
          for (const note of notes) this.note(`note: ${note}`)
          continue
        }
        this.log(ansis.bold(entry.policy?.title ?? `${entry.store} (${entry.type})`))
        if (entry.policy) this.log(entry.policy.document.trimEnd())
        for (const note of notes) this.log(ansis.dim(`# ${note}`))
        this.log('')
      }
    }
    return {readOnly: this.flags['read-only'], stores: policies, ...(issuers.length > 0 ? {issuers} : {})}
  }
}
